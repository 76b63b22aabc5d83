/**
 * Fault: one person, many windows. N different bills (default 200) for one registered poor person, all
 * posted at once through two API processes on one database, as if every window of a league hospital
 * settled for the same patient in the same instant. Each bill is large, so the year's caps are reached
 * within the first few. Expect: every bill settled (201); no annual cap exceeded (basic 150,000,
 * serious-illness 300,000, assistance 50,000) and the patient's own payments at most 5,000 yuan for the
 * year; the settlements form one chain (each read exactly what the previous one wrote); the person's
 * accumulators equal the sum of the recorded changes; `doctor` clean. On SQLite and PostgreSQL.
 *
 *   npm run fault:one-person -- [--count 200] [--store sqlite|postgres|both]
 */
import { pathToFileURL } from 'node:url';
import { doctor, freshDatabase, get, inpatientBill, intArg, post, prepare, report, runScript, snapshot, startApi, storesArg, tally, yuanToFen, type StoreKind } from './harness.js';

interface Result {
  id: string;
  result: {
    funds: Record<string, string>;
    patientPays: string;
    steps: { id: string; payout: string }[];
    accumulators: Record<string, Record<string, { before: string; after: string }>>;
  };
}

const CAPS_FEN: Record<string, number> = { basic: 15_000_000, serious: 30_000_000, assistance: 5_000_000 };
const OOP_CAP_FEN = 500_000;

export async function onePerson(kind: StoreKind, count: number): Promise<{ violations: string[]; figures: Record<string, unknown> }> {
  const db = await freshDatabase(kind);
  const keys = await prepare(db);
  const apis = [await startApi(db), await startApi(db)];
  const person = 'P-000003';
  const bills = Array.from({ length: count }, (_, i) => inpatientBill({ billNo: `ONE-${String(i).padStart(4, '0')}`, person, scale: 2 + (i % 9) }));
  const answers = await Promise.all(bills.map((b, i) => post(apis[i % 2]!, keys.window, b)));
  const ledger = await get(apis[0]!, keys.auditor, `/v1/people/${person}/accumulators?year=2018`);
  for (const a of apis) await a.stop();

  const violations: string[] = [];
  const ok = answers.filter((a) => a.status === 201).map((a) => a.json as Result);
  if (ok.length !== count) violations.push(`${count - ok.length} bills were not settled: ${JSON.stringify(tally(answers))}`);

  const paidByStep: Record<string, number> = {};
  let patientFen = 0;
  let totalFen = 0;
  for (const s of ok) {
    patientFen += yuanToFen(s.result.patientPays);
    for (const st of s.result.steps) paidByStep[st.id] = (paidByStep[st.id] ?? 0) + yuanToFen(st.payout);
    totalFen += Object.values(s.result.funds).reduce((x, f) => x + yuanToFen(f), 0) + yuanToFen(s.result.patientPays);
  }
  for (const [step, cap] of Object.entries(CAPS_FEN)) {
    if ((paidByStep[step] ?? 0) > cap) violations.push(`${step} paid ${(paidByStep[step]! / 100).toFixed(2)} in the year, above its cap ${(cap / 100).toFixed(2)}`);
  }
  if (patientFen > OOP_CAP_FEN) violations.push(`the patient paid ${(patientFen / 100).toFixed(2)} in the year, above the 5,000.00 out-of-pocket cap`);

  // One chain: sorted by what each read, each read what the previous wrote (serious.cumulative grows with every bill).
  const links = ok.map((s) => s.result.accumulators.serious?.cumulative).filter((c) => c !== undefined);
  links.sort((a, b) => Number(a.before) - Number(b.before));
  let breaks = 0;
  for (let i = 1; i < links.length; i++) if (links[i]!.before !== links[i - 1]!.after) breaks++;
  if (links.length !== ok.length || (links.length > 0 && Number(links[0]!.before) !== 0)) breaks++;
  if (breaks) violations.push(`${breaks} settlement(s) did not read what the previous one wrote (two read the same snapshot)`);

  const acc = (ledger.json as { accumulators?: Record<string, Record<string, string>> }).accumulators ?? {};
  if (yuanToFen(acc.oop?.paid) !== patientFen) violations.push(`ledger oop.paid ${acc.oop?.paid} ≠ the patient's payments ${(patientFen / 100).toFixed(2)}`);
  for (const [step, cap] of Object.entries(CAPS_FEN)) if (yuanToFen(acc[step]?.paid ?? '0') > cap) violations.push(`ledger ${step}.paid ${acc[step]?.paid} above its cap`);

  const snap = await snapshot(db);
  const doc = await doctor(db);
  for (const v of doc.violations) violations.push(`doctor: ${v.kind} ${v.message}`);
  const y = (fen: number | undefined) => ((fen ?? 0) / 100).toFixed(2);
  const figures = {
    store: kind,
    'API processes': apis.length,
    'requests sent': count,
    answers: tally(answers),
    'settlements stored': snap.settlements,
    'billed in the year': y(totalFen),
    'paid by basic / serious / assistance (caps 150,000 / 300,000 / 50,000)': `${y(paidByStep.basic)} / ${y(paidByStep.serious)} / ${y(paidByStep.assistance)}`,
    'paid by commercial / backstop floor / backstop out-of-pocket': `${y(paidByStep.commercial)} / ${y(paidByStep.floor)} / ${y(paidByStep.oop)}`,
    'patient paid in the year (cap 5,000)': y(patientFen),
    'ledger oop.paid': acc.oop?.paid,
    'snapshot chain breaks': breaks,
    'doctor violations': doc.violations.length,
    violations: violations.length,
  };
  return { violations, figures };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runScript('fault:one-person', 600, async (args) => {
    const count = intArg(args, 'count', 200, 2000);
    let total = 0;
    for (const kind of storesArg(args)) {
      const r = await onePerson(kind, count);
      report(`one person, ${count} bills at once, on ${kind}`, r.figures);
      for (const v of r.violations) process.stdout.write(`  VIOLATION: ${v}\n`);
      total += r.violations.length;
    }
    return { violations: total };
  });
}
