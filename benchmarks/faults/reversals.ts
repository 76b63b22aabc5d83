/**
 * Fault: reversals and new bills for one person from several windows at once (issue 23). Two API
 * processes on one database; two hospitals' windows. First N bills (default 40) for one poor person at
 * once; then, all at once, R of them reversed (default 20; every reversal sent twice, to both processes)
 * while N more bills are posted; then, at once again, the settlements that were adjusted by those
 * reversals are reversed in turn while a last N/4 bills are posted.
 *
 * Every reversal re-adjudicates the person's later settlements and writes its adjustments (应补应退) in
 * one write set by compare-and-set on the ledger version it read; when another window's write got there
 * first it reads the year again and computes again. Expect: every bill 201; for each reversed settlement
 * exactly one 200 and one 409 ALREADY_REVERSED; no 5xx and no unanswered request (no lost update, no
 * deadlock); at the end the person's year recomputed as a chain from zero in ledger order equals every
 * settlement as it stands (original plus adjustments), their differences add up, the ledger is where the
 * chain ends (src/settle/chain.ts); `doctor` clean. On SQLite and PostgreSQL.
 *
 *   npm run fault:reversals -- [--count 40] [--reversals 20] [--store sqlite|postgres|both]
 */
import { pathToFileURL } from 'node:url';
import { engineBillFromStored } from '../../src/bill/parse.js';
import { settle } from '../../src/engine/settle.js';
import { chainFindings } from '../../src/settle/chain.js';
import { readPersonYear } from '../../src/settle/person-year.js';
import { RulesetVersions } from '../../src/settle/recompute.js';
import { openStore } from '../../src/store/open.js';
import { HOSPITAL, OTHER_HOSPITAL, doctor, freshDatabase, inpatientBill, intArg, post, prepare, report, runScript, startApi, storesArg, tally, type Answer, type StoreKind } from './harness.js';

interface Settled {
  id: string;
  hospital: string;
}

/** A small seeded generator, so a run can be repeated. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function reversals(kind: StoreKind, count: number, reversalCount: number): Promise<{ violations: string[]; figures: Record<string, unknown> }> {
  const started = Date.now();
  const db = await freshDatabase(kind);
  const keys = await prepare(db);
  const apis = [await startApi(db), await startApi(db)];
  const person = 'P-000004';
  const rnd = random(2323);
  const violations: string[] = [];
  const keyOf = (hospital: string) => (hospital === HOSPITAL ? keys.window : keys.otherWindow);
  let n = 0;
  const bill = () => {
    const hospital = rnd() < 0.6 ? HOSPITAL : OTHER_HOSPITAL;
    const month = String(1 + Math.floor(rnd() * 12)).padStart(2, '0');
    const discharged = `2018-${month}-1${Math.floor(rnd() * 9)}`;
    const body = inpatientBill({ billNo: `RV-${String(n++).padStart(4, '0')}`, person, hospital, scale: 0.2 + rnd() * 6, discharged });
    return { hospital, body: { ...body, visit: { ...body.visit, admitted: discharged } } };
  };
  const postAll = (bills: ReturnType<typeof bill>[]) => bills.map((b, i) => post(apis[i % 2]!, keyOf(b.hospital), b.body).then((a) => ({ a, hospital: b.hospital })));
  const settledOf = (answers: { a: Answer; hospital: string }[], phase: string): Settled[] => {
    const bad = answers.filter((x) => x.a.status !== 201);
    if (bad.length) violations.push(`${phase}: ${bad.length} bill(s) not settled: ${JSON.stringify(tally(bad.map((x) => x.a)))} ${bad[0]!.a.text.slice(0, 300)}`);
    return answers.filter((x) => x.a.status === 201).map((x) => ({ id: (x.a.json as { id: string }).id, hospital: x.hospital }));
  };
  /** Each target reversed twice at once, once through each process: one 200, one 409. */
  const reverseAll = (targets: Settled[]) =>
    targets.map(async (t) => {
      const answers = await Promise.all(apis.map((api) => post(api, keyOf(t.hospital), { reason: '并发撤销测试' }, { path: `/v1/settlements/${t.id}/reversal` })));
      return { target: t, answers };
    });
  /** Reversals and new bills sent at once, in a shuffled order, so that they reach the windows mixed. */
  const interleaved = async (targets: Settled[], bills: ReturnType<typeof bill>[]) => {
    const order = [...targets.map((t) => ({ t })), ...bills.map((b) => ({ b }))].sort(() => rnd() - 0.5);
    const reversed: Promise<{ target: Settled; answers: Answer[] }>[] = [];
    const posted: Promise<{ a: Answer; hospital: string }>[] = [];
    for (const o of order) {
      if ('t' in o) reversed.push(...reverseAll([o.t]));
      else posted.push(...postAll([o.b]));
    }
    return Promise.all([Promise.all(reversed), Promise.all(posted)]);
  };
  const checkReversals = (done: { target: Settled; answers: Answer[] }[], phase: string) => {
    let adjustments = 0;
    const adjusted: string[] = [];
    for (const { target, answers } of done) {
      const ok = answers.filter((a) => a.status === 200);
      const again = answers.filter((a) => a.status === 409 && (a.json as { error?: { code?: string } })?.error?.code === 'ALREADY_REVERSED');
      if (ok.length !== 1 || again.length !== 1) violations.push(`${phase}: reversal of ${target.id}: ${JSON.stringify(tally(answers))} ${answers.map((a) => a.text.slice(0, 200)).join(' | ')}`);
      for (const a of ok) {
        const r = (a.json as { readjudication: { adjustments: { settlementId: string }[] } }).readjudication;
        adjustments += r.adjustments.length;
        adjusted.push(...r.adjustments.map((x) => x.settlementId));
      }
    }
    return { adjustments, adjusted };
  };

  // 1. The first bills, at once.
  const first = settledOf(await Promise.all(postAll(Array.from({ length: count }, bill))), 'first bills');
  // 2. Reversals (mostly of the early ones, which re-adjudicate the most) and new bills, at once.
  const targets = [...first].sort(() => rnd() - 0.5).slice(0, reversalCount);
  const [second, secondNew] = await interleaved(targets, Array.from({ length: count }, bill));
  const r2 = checkReversals(second, 'reversals');
  const more = settledOf(secondNew, 'bills during the reversals');
  // 3. The adjusted settlements (still standing) reversed in turn, with a few more bills.
  const reversedIds = new Set(targets.map((t) => t.id));
  const everyone = [...first, ...more];
  const adjustedTargets = [...new Set(r2.adjusted)].filter((id) => !reversedIds.has(id)).map((id) => everyone.find((s) => s.id === id)!).filter(Boolean).slice(0, Math.max(1, Math.floor(reversalCount / 2)));
  const [third, thirdNew] = await interleaved(adjustedTargets, Array.from({ length: Math.max(1, Math.floor(count / 4)) }, bill));
  const r3 = checkReversals(third, 'reversals of adjusted settlements');
  settledOf(thirdNew, 'bills during the second reversals');
  for (const a of apis) await a.stop();

  // The year as a chain from zero, against every settlement as it stands.
  const store = await openStore(db.url);
  let chain: ReturnType<typeof chainFindings>;
  let rows: { settlements: number; reversed: number; adjustments: number };
  let interleavings = 0;
  try {
    const py = await readPersonYear(store.db, person, 2018);
    const ledger = await store.db.selectFrom('ledgers').select('accumulators_json').where('person_id', '=', person).where('year', '=', 2018).executeTakeFirst();
    const versions = new RulesetVersions(store.db);
    const rulesets = new Map<string, Awaited<ReturnType<RulesetVersions['get']>>>();
    for (const s of py.settlements) if (!rulesets.has(s.ruleset_hash)) rulesets.set(s.ruleset_hash, await versions.get(s.ruleset_hash));
    chain = chainFindings(py, ledger?.accumulators_json ?? null, (s, ytd) => settle(engineBillFromStored(s.bill_json), rulesets.get(s.ruleset_hash)!.ruleset, ytd));
    rows = { settlements: py.settlements.length, reversed: py.settlements.filter((s) => s.status === 'reversed').length, adjustments: py.adjustments.length };
    // How the windows interleaved: in ledger order, how often a reversal follows a new bill or the other way round.
    const phase2 = new Set(more.map((s) => s.id));
    const events = [
      ...py.settlements.filter((s) => phase2.has(s.id)).map((s) => ({ v: s.ledger_version, kind: 'bill' })),
      ...py.settlements.filter((s) => s.reversed_version !== null).map((s) => ({ v: s.reversed_version!, kind: 'reversal' })),
    ].sort((a, b) => a.v - b.v);
    interleavings = events.filter((e, i) => i > 0 && e.kind !== events[i - 1]!.kind).length;
  } finally {
    await store.close();
  }
  for (const f of chain) violations.push(`chain: ${f.message}`);
  if (r2.adjustments + r3.adjustments !== rows.adjustments) violations.push(`answers reported ${r2.adjustments + r3.adjustments} adjustments, the store holds ${rows.adjustments}`);
  const doc = await doctor(db);
  for (const v of doc.violations) violations.push(`doctor: ${v.kind} ${v.message}`);

  const figures = {
    store: kind,
    'API processes': apis.length,
    'bills posted': n,
    'reversals requested (each twice)': targets.length + adjustedTargets.length,
    'of which of adjusted settlements': adjustedTargets.length,
    'settlements stored / reversed': `${rows.settlements} / ${rows.reversed}`,
    'adjustments written': rows.adjustments,
    'switches between new bills and reversals in ledger order': interleavings,
    'chain findings': chain.length,
    'doctor violations': doc.violations.length,
    seconds: ((Date.now() - started) / 1000).toFixed(1),
    violations: violations.length,
  };
  return { violations, figures };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runScript('fault:reversals', 600, async (args) => {
    const count = intArg(args, 'count', 40, 1000);
    const reversalCount = intArg(args, 'reversals', 20, count);
    let total = 0;
    for (const kind of storesArg(args)) {
      const r = await reversals(kind, count, reversalCount);
      report(`one person, ${count}+${count} bills and ${reversalCount} reversals at once, on ${kind}`, r.figures);
      for (const v of r.violations) process.stdout.write(`  VIOLATION: ${v}\n`);
      total += r.violations.length;
    }
    return { violations: total };
  });
}
