/**
 * 登记导入: the one way people and hospitals get into the register (the CLI, the admin endpoint and the
 * demo seeds all come here). The data flows one way: read and check the whole file (./rows.ts), read what
 * the register holds for what the file names, decide what changes (./plan.ts), and write it as one write
 * set guarded by the register's version, so that two imports never interleave and a file is applied
 * whole or not at all. A file with any bad row changes nothing; a file that says what the register
 * already says changes nothing either, and no batch is recorded for it.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { canonicalJson } from '../formats/canonical-json.js';
import type { Store } from '../store/port.js';
import { named, type WriteStep } from '../store/write-set.js';
import type { MembershipPeriod, TierPeriod } from './in-force.js';
import { planHospitals, planPeople, type HospitalCounts, type HospitalNow, type PeopleCounts, type PersonNow } from './plan.js';
import { writeVersioned } from './versioned-write.js';
import { readHospitalsFile, readPeopleFile, type HospitalInFile, type KnownValues, type PersonInFile, type RegisterKind, type RowProblem } from './rows.js';

/** A file to import (the register's and the catalogue's alike): as it streams, what it is, who, when. */
export interface ImportFileRequest {
  input: Readable;
  format: 'csv' | 'jsonl';
  /** The file's name, as recorded with the batch. */
  file: string;
  /** The document that stated it (a notice number), recorded with the batch. */
  source?: string | null;
  dryRun: boolean;
  actor: string;
  /** When the batch is recorded (the use case takes no clock of its own). */
  at: string;
}

export interface ImportRequest extends ImportFileRequest {
  kind: RegisterKind;
}

export type ImportReport =
  | { outcome: 'refused'; kind: RegisterKind; file: string; rows: number; problems: RowProblem[] }
  | {
      outcome: 'dry-run' | 'applied' | 'unchanged';
      kind: RegisterKind;
      file: string;
      rows: number;
      /** The batch recorded (applied only). */
      batch: string | null;
      counts: PeopleCounts | HospitalCounts;
    };

/** How many ids one read of the register asks for. */
const CHUNK = 500;

export class RegisterConflict extends Error {
  constructor() {
    super('登记库在本次导入期间被另一次导入修改，已重试仍未成功；请稍后重新导入');
  }
}

export async function importRegister(store: Store, known: KnownValues, req: ImportRequest): Promise<ImportReport> {
  if (req.kind === 'people') {
    const read = await readPeopleFile(req.input, req.format, known);
    if (read.problems.length) return { outcome: 'refused', kind: req.kind, file: req.file, rows: read.rows, problems: read.problems };
    return applyPeople(store, req, read.people, read.rows);
  }
  const read = await readHospitalsFile(req.input, req.format, known);
  if (read.problems.length) return { outcome: 'refused', kind: req.kind, file: req.file, rows: read.rows, problems: read.problems };
  return applyHospitals(store, req, read.hospitals, read.rows);
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/** The batch's id: its kind, when, and the head of what it states. */
function batchId(kind: RegisterKind, at: string, contentHash: string): string {
  return `${kind === 'people' ? 'RP' : 'RH'}-${at.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${contentHash.slice(0, 8)}`;
}

function contentHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

async function peopleNow(store: Store, ids: readonly string[]): Promise<Map<string, PersonNow>> {
  const now = new Map<string, PersonNow>();
  for (const part of chunks(ids)) {
    const people = await store.db.selectFrom('people').select(['id', 'name', 'id_number', 'county', 'insured_region']).where('id', 'in', part).execute();
    for (const p of people) now.set(p.id, { name: p.name, idNumber: p.id_number, county: p.county, insuredRegion: p.insured_region, memberships: [] });
    const rows = await store.db.selectFrom('memberships').select(['person_id', 'population', 'from_date', 'to_date', 'batch_id']).where('person_id', 'in', part).where('superseded_at', 'is', null).execute();
    for (const m of rows) now.get(m.person_id)?.memberships.push({ population: m.population, from: m.from_date, to: m.to_date, batch: m.batch_id });
  }
  return now;
}

async function applyPeople(store: Store, req: ImportRequest, file: Map<string, PersonInFile>, rows: number): Promise<ImportReport> {
  const stated = [...file.values()]
    .sort((a, b) => (a.id < b.id ? -1 : 1))
    .map((p) => ({ ...p, line: undefined, memberships: [...p.memberships].sort().map(([k, v]) => [k, v.map((x) => ({ from: x.from, to: x.to }))]) }));
  const hash = contentHash(stated);
  return writeVersioned<ImportReport>(store, 'register', async () => {
    const now = await peopleNow(store, [...file.keys()]);
    const plan = planPeople(file, now);
    const base = { kind: req.kind, file: req.file, rows, counts: plan.counts };
    if (plan.changes.length === 0) return { answer: { ...base, outcome: 'unchanged', batch: null } };
    if (req.dryRun) return { answer: { ...base, outcome: 'dry-run', batch: null } };
    const batch = batchId('people', req.at, hash);
    const at = req.at;
    const steps: WriteStep[] = [batchStep(req, batch, hash, rows, plan.counts)];
    for (const c of plan.changes) {
      const p = c.file;
      // The person's standing memberships after this batch: those of populations the file does not
      // replace, and the file's of those it does (the current view the counter reads).
      const standing: MembershipPeriod[] = [
        ...(now.get(p.id)?.memberships ?? []).filter((m) => !c.populations.has(m.population)).map((m) => ({ population: m.population, from_date: m.from, to_date: m.to, batch_id: m.batch })),
        ...[...c.populations].flatMap(([population, periods]) => periods.map((m) => ({ population, from_date: m.from, to_date: m.to, batch_id: batch }))),
      ].sort((a, b) => (a.from_date < b.from_date ? -1 : a.from_date > b.from_date ? 1 : a.population < b.population ? -1 : 1));
      const populations = JSON.stringify([...new Set(standing.map((m) => m.population))].sort());
      const person = { id: p.id, name: p.name, id_number: p.idNumber, populations, county: p.county, insured_region: p.insuredRegion, memberships_json: JSON.stringify(standing) };
      if (c.kind === 'new') steps.push({ kind: 'run', run: named('insertPerson', person) });
      else steps.push({ kind: 'run', run: named('updatePerson', person) });
      if (c.details) {
        if (c.kind === 'changed') steps.push({ kind: 'run', run: named('supersedePersonVersion', { superseded_at: at, person_id: p.id }) });
        steps.push({ kind: 'run', run: named('insertPersonVersion', { person_id: p.id, batch_id: batch, name: p.name, id_number: p.idNumber, county: p.county, insured_region: p.insuredRegion, recorded_at: at }) });
      }
      for (const [population, periods] of c.populations) {
        if (c.kind === 'changed') steps.push({ kind: 'run', run: named('supersedeMemberships', { superseded_at: at, superseded_by: batch, person_id: p.id, population }) });
        for (const m of periods) {
          steps.push({ kind: 'run', run: named('insertMembership', { person_id: p.id, population, from_date: m.from, to_date: m.to, batch_id: batch, recorded_at: at }) });
        }
      }
    }
    steps.push(auditStep(req, batch, hash, rows, plan.counts));
    return { steps, answer: { ...base, outcome: 'applied', batch } };
  }, () => new RegisterConflict());
}

async function hospitalsNow(store: Store, codes: readonly string[]): Promise<Map<string, HospitalNow>> {
  const now = new Map<string, HospitalNow>();
  for (const part of chunks(codes)) {
    const hospitals = await store.db.selectFrom('hospitals').select(['code', 'name', 'region_code', 'region_name', 'county']).where('code', 'in', part).execute();
    for (const h of hospitals) now.set(h.code, { name: h.name, regionCode: h.region_code, regionName: h.region_name, county: h.county, tiers: [] });
    const rows = await store.db.selectFrom('hospital_tiers').select(['code', 'tier', 'from_date', 'to_date', 'batch_id']).where('code', 'in', part).where('superseded_at', 'is', null).execute();
    for (const t of rows) now.get(t.code)?.tiers.push({ tier: t.tier, from: t.from_date, to: t.to_date, batch: t.batch_id });
  }
  return now;
}

async function applyHospitals(store: Store, req: ImportRequest, file: Map<string, HospitalInFile>, rows: number): Promise<ImportReport> {
  const stated = [...file.values()].sort((a, b) => (a.code < b.code ? -1 : 1)).map((h) => ({ ...h, line: undefined, tiers: h.tiers.map((t) => ({ tier: t.tier, from: t.from, to: t.to })) }));
  const hash = contentHash(stated);
  return writeVersioned<ImportReport>(store, 'register', async () => {
    const now = await hospitalsNow(store, [...file.keys()]);
    const plan = planHospitals(file, now);
    const base = { kind: req.kind, file: req.file, rows, counts: plan.counts };
    if (plan.changes.length === 0) return { answer: { ...base, outcome: 'unchanged', batch: null } };
    if (req.dryRun) return { answer: { ...base, outcome: 'dry-run', batch: null } };
    const batch = batchId('hospitals', req.at, hash);
    const at = req.at;
    const steps: WriteStep[] = [batchStep(req, batch, hash, rows, plan.counts)];
    for (const c of plan.changes) {
      const h = c.file;
      const regionName = h.regionName ?? now.get(h.code)?.regionName ?? h.regionCode;
      // The current view's tier: the latest period's (the counter takes the tier on the visit's date).
      const latest = h.tiers[h.tiers.length - 1]!.tier;
      const standing: TierPeriod[] = c.tiers
        ? h.tiers.map((t) => ({ tier: t.tier, from_date: t.from, to_date: t.to, batch_id: batch }))
        : now.get(h.code)!.tiers.map((t) => ({ tier: t.tier, from_date: t.from, to_date: t.to, batch_id: t.batch })).sort((a, b) => (a.from_date < b.from_date ? -1 : 1));
      const hospital = { code: h.code, name: h.name, tier: latest, region_code: h.regionCode, region_name: regionName, county: h.county, tiers_json: JSON.stringify(standing) };
      steps.push({ kind: 'run', run: named(c.kind === 'new' ? 'insertHospital' : 'updateHospital', hospital) });
      if (c.details) {
        if (c.kind === 'changed') steps.push({ kind: 'run', run: named('supersedeHospitalVersion', { superseded_at: at, code: h.code }) });
        steps.push({ kind: 'run', run: named('insertHospitalVersion', { code: h.code, batch_id: batch, name: h.name, region_code: h.regionCode, region_name: regionName, county: h.county, recorded_at: at }) });
      }
      if (c.tiers) {
        if (c.kind === 'changed') steps.push({ kind: 'run', run: named('supersedeTiers', { superseded_at: at, superseded_by: batch, code: h.code }) });
        for (const t of h.tiers) steps.push({ kind: 'run', run: named('insertTier', { code: h.code, tier: t.tier, from_date: t.from, to_date: t.to, batch_id: batch, recorded_at: at }) });
      }
    }
    steps.push(auditStep(req, batch, hash, rows, plan.counts));
    return { steps, answer: { ...base, outcome: 'applied', batch } };
  }, () => new RegisterConflict());
}

function batchStep(req: ImportRequest, batch: string, hash: string, rows: number, counts: object): WriteStep {
  return {
    kind: 'run',
    run: named('insertRegisterBatch', {
      id: batch, kind: req.kind, file: req.file, content_hash: hash, source: req.source ?? null, rows, summary_json: JSON.stringify(counts), created_at: req.at, created_by: req.actor,
    }),
  };
}

function auditStep(req: ImportRequest, batch: string, hash: string, rows: number, counts: object): WriteStep {
  return { kind: 'audit', at: req.at, entry: { actor: req.actor, action: 'register.import', subject: batch, payload: { kind: req.kind, file: req.file, contentHash: hash, rows, counts } } };
}
