/**
 * The trace of a settlement (GET /v1/settlements/{id}/trace): every step as stored, with a plain
 * Chinese sentence, the source it cites and the values that are estimates, taken from the exact
 * ruleset version the settlement was computed with (by hash), not from today's rules file.
 */
import type { SettlementJson, StepResultJson } from '../engine/result.js';
import type { Step } from '../engine/types.js';
import type { Eligibility } from '../register/in-force.js';
import { eligibilitySentence, parseEligibility } from './eligibility.js';
import { documentStep, stepClauses } from '../rules/clauses.js';
import type { LoadedRuleset } from '../rules/load.js';
import { stepSentence, summarySentence } from './sentences.js';

export interface Citation {
  sourceId: string;
  title: string;
  file?: string;
  url?: string;
  /**
   * The passages of the source the value comes from, quoted exactly (the rules file's `clause`, or a
   * field's `cite.<field>.clause`); absent when the file quotes none.
   */
  clause?: string[];
}

export interface TraceStep extends StepResultJson {
  sentence: string;
  /** The source the step cites (its `source`), or null when the step names none. */
  citation: Citation | null;
  /** { field: why this value is an estimate } from the rules file, or null when every value is sourced. */
  estimates: Record<string, string> | null;
  /** { field: source } for fields that cite another source, or another clause, than the step's (`cite` in the rules file). */
  fieldCitations: Record<string, Citation> | null;
}

export interface Trace {
  settlementId: string;
  status: 'settled' | 'reversed';
  rulesetId: string;
  rulesetTitle: string;
  rulesetHash: string;
  rulesetFile: string;
  visitType: string;
  population: string;
  total: string;
  buckets: SettlementJson['buckets'];
  funds: Record<string, string>;
  fundPaysTotal: string;
  patientPays: string;
  actualRatio: string;
  summary: string;
  /** The bill's diagnoses, principal first. */
  diagnoses: { code: string; name?: string }[];
  /** What each fund owes the hospital where a payout was made elsewhere (§3); absent otherwise. */
  owed?: Record<string, string>;
  /** The memberships the settlement took from the register, on which date (null: made without the register). */
  eligibility: Eligibility | null;
  /** The same in a sentence (人员类别 and since when), or null. */
  eligibilitySentence: string | null;
  /**
   * What the catalogue did to the items (settlements.catalogue_json): its version (null: none for the
   * region, declared values used), the mode, and per item the catalogue's values or 目录外, and what was
   * declared where it differed. Null for a settlement from before the catalogue.
   */
  catalogue: { version: string | null; mode: string; items: { index: number; code: string; outOfCatalogue?: boolean; catalogue?: Record<string, string>; declared?: Record<string, string> }[] } | null;
  /** One sentence on the catalogue (目录外 items named), or null. */
  catalogueSentence: string | null;
  steps: TraceStep[];
}

export function citationFor(ruleset: LoadedRuleset, sourceId: string | undefined, clause?: string[] | null): Citation | null {
  if (!sourceId) return null;
  const s = ruleset.ruleset.sources.find((x) => x.id === sourceId);
  if (!s) return null;
  return { sourceId: s.id, title: s.title, ...(s.file ? { file: s.file } : {}), ...(s.url ? { url: s.url } : {}), ...(clause?.length ? { clause: [...clause] } : {}) };
}

/** The step's definition (engine form) in the ruleset version. */
export function stepDefinition(ruleset: LoadedRuleset, visitType: string, stepId: string): Step | undefined {
  const pipeline = Object.prototype.hasOwnProperty.call(ruleset.ruleset.visits, visitType) ? ruleset.ruleset.visits[visitType] : undefined;
  return pipeline?.find((s) => s.id === stepId);
}

/** Sentences for every step, in order (also used by the slip and the NHSA detail). */
export function sentencesFor(result: SettlementJson, ruleset: LoadedRuleset, tier: string, diagnoses?: readonly { code: string; name?: string }[]): string[] {
  return result.steps.map((s) => stepSentence(s, { result, def: stepDefinition(ruleset, result.visitType, s.id), tier, diagnoses }));
}

/** The diagnoses of a stored bill (bill_json), principal first; [] when it has none. */
export function storedDiagnoses(billJson: string): { code: string; name?: string }[] {
  const b = JSON.parse(billJson) as { diagnoses?: { code: string; name?: string }[] };
  return Array.isArray(b.diagnoses) ? b.diagnoses.map((d) => ({ code: d.code, ...(d.name ? { name: d.name } : {}) })) : [];
}

function catalogueSentence(c: Trace['catalogue']): string | null {
  if (!c) return null;
  if (c.version === null) return '本地区未载入医保目录：各项目按医院申报的目录类别、先行自付比例和限价结算。';
  const outside = c.items.filter((i) => i.outOfCatalogue).map((i) => `第 ${i.index + 1} 项 ${i.code}`);
  const overruled = c.items.filter((i) => i.declared && !i.outOfCatalogue).map((i) => `第 ${i.index + 1} 项 ${i.code}`);
  return [
    `各项目按医保目录（版本 ${c.version}）的目录类别、先行自付比例和限价结算`,
    outside.length ? `目录外（按丙类自费）：${outside.join('、')}` : '',
    overruled.length ? `申报与目录不符、已按目录结算：${overruled.join('、')}` : '',
  ].filter(Boolean).join('；') + '。';
}

export function buildTrace(input: { id: string; status: 'settled' | 'reversed'; result: SettlementJson; ruleset: LoadedRuleset; tier: string; diagnoses?: { code: string; name?: string }[]; eligibilityJson?: string | null; catalogueJson?: string | null }): Trace {
  const catalogue = input.catalogueJson ? (JSON.parse(input.catalogueJson) as Trace['catalogue']) : null;
  const eligibility = parseEligibility(input.eligibilityJson);
  const { result: r, ruleset } = input;
  const sentences = sentencesFor(r, ruleset, input.tier, input.diagnoses);
  const steps: TraceStep[] = r.steps.map((s, i) => {
    // The clause comes from the document of the version the settlement was computed with, never from the
    // stored result: a result stays as it was written, and an old version shows the clauses it had.
    const doc = documentStep(ruleset.document, r.visitType, s.id);
    const estimates = doc?.estimates && typeof doc.estimates === 'object' ? (doc.estimates as Record<string, string>) : null;
    const clauses = stepClauses(doc);
    const fieldCitations: Record<string, Citation> = {};
    for (const [field, c] of Object.entries(clauses.fields)) {
      const citation = citationFor(ruleset, c.source, c.clause);
      if (citation) fieldCitations[field] = citation;
    }
    return {
      ...s,
      sentence: sentences[i]!,
      // The stored step names its source; the clause is that step's only while the document agrees on it.
      citation: citationFor(ruleset, s.source, s.source === doc?.source ? clauses.clause : null),
      estimates: estimates && Object.keys(estimates).length ? { ...estimates } : null,
      fieldCitations: Object.keys(fieldCitations).length ? fieldCitations : null,
    };
  });
  return {
    settlementId: input.id,
    status: input.status,
    rulesetId: r.rulesetId,
    rulesetTitle: ruleset.ruleset.title,
    rulesetHash: ruleset.hash,
    rulesetFile: ruleset.file,
    visitType: r.visitType,
    population: r.population,
    total: r.total,
    buckets: r.buckets,
    funds: r.funds,
    fundPaysTotal: r.fundPaysTotal,
    patientPays: r.patientPays,
    actualRatio: r.actualRatio,
    summary: summarySentence(r, input.status),
    diagnoses: input.diagnoses ?? [],
    ...(r.owed ? { owed: r.owed } : {}),
    eligibility,
    eligibilitySentence: eligibilitySentence(eligibility, r.population),
    catalogue,
    catalogueSentence: catalogueSentence(catalogue),
    steps,
  };
}
