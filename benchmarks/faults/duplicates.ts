/**
 * Fault: duplicates. The same bill posted N times at once (default 1,000), split over two API processes
 * on one database, as a window that retries on every timeout and a second window that posts the same
 * bill would. Expect exactly one settlement, one 201 and N-1 replays (200), every answer carrying the
 * settlement's id, the person's accumulators moved once, and `doctor` clean. On SQLite and PostgreSQL.
 *
 *   npm run fault:duplicates -- [--count 1000] [--store sqlite|postgres|both]
 */
import { pathToFileURL } from 'node:url';
import { HOSPITAL, doctor, freshDatabase, inpatientBill, intArg, post, prepare, report, runScript, snapshot, startApi, storesArg, tally, type StoreKind } from './harness.js';

export async function duplicates(kind: StoreKind, count: number): Promise<{ violations: string[]; figures: Record<string, unknown> }> {
  const db = await freshDatabase(kind);
  const keys = await prepare(db);
  const apis = [await startApi(db), await startApi(db)];
  const bill = inpatientBill({ billNo: 'DUP-0001', person: 'P-000002', hospital: HOSPITAL, scale: 2 });
  // Every request on its own connection, all in flight together.
  const answers = await Promise.all(Array.from({ length: count }, (_, i) => post(apis[i % 2]!, keys.window, bill)));
  for (const a of apis) await a.stop();

  const violations: string[] = [];
  const created = answers.filter((a) => a.status === 201);
  const replays = answers.filter((a) => a.status === 200);
  const ids = new Set(answers.map((a) => (a.json as { id?: string } | undefined)?.id));
  if (created.length !== 1) violations.push(`${created.length} answers were 201 (expected exactly 1)`);
  if (created.length + replays.length !== count) violations.push(`${count - created.length - replays.length} answers were neither 201 nor 200: ${JSON.stringify(tally(answers))}`);
  if (ids.size !== 1 || ids.has(undefined)) violations.push(`answers carried ${ids.size} distinct settlement ids (expected 1): ${[...ids].slice(0, 5).join(', ')}`);
  if (replays.some((r) => (r.json as { replay?: boolean }).replay !== true)) violations.push('a 200 answer was not marked replay');
  const firstResult = JSON.stringify((created[0]?.json as { result?: unknown } | undefined)?.result);
  if (replays.some((r) => JSON.stringify((r.json as { result?: unknown }).result) !== firstResult)) violations.push('a replay carried a different result than the settlement');

  const snap = await snapshot(db);
  if (snap.settlements !== 1) violations.push(`${snap.settlements} settlements stored (expected 1)`);
  const doc = await doctor(db);
  for (const v of doc.violations) violations.push(`doctor: ${v.kind} ${v.message}`);
  const figures = {
    store: kind,
    'API processes': apis.length,
    'requests sent': count,
    answers: tally(answers),
    'distinct settlement ids in answers': ids.size,
    'settlements stored': snap.settlements,
    'audit entries (keys + settlements)': snap.audit,
    'doctor violations': doc.violations.length,
    violations: violations.length,
  };
  return { violations, figures };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runScript('fault:duplicates', 600, async (args) => {
    const count = intArg(args, 'count', 1000, 5000);
    let total = 0;
    for (const kind of storesArg(args)) {
      const r = await duplicates(kind, count);
      report(`duplicates on ${kind}`, r.figures);
      for (const v of r.violations) process.stdout.write(`  VIOLATION: ${v}\n`);
      total += r.violations.length;
    }
    return { violations: total };
  });
}
