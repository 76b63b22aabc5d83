/**
 * Fault: crash. An API process is killed with SIGKILL (kill -9: no shutdown, nothing flushed) while
 * windows are posting bills to it, then restarted on the same database, several times over. Expect after
 * every restart: every settlement that was acknowledged (201 or 200) is there, with the same result;
 * every bill whose answer was lost, posted again as a window would, is either a replay (it had been
 * committed) or settled now (it had not), never a conflict or a second settlement; nothing is
 * half-written (`doctor` checks per-fund rows, audit entries and accumulators); `doctor` clean.
 * On SQLite (WAL, synchronous=FULL) and PostgreSQL.
 *
 *   npm run fault:crash -- [--cycles 3] [--clients 32] [--store sqlite|postgres|both]
 */
import { pathToFileURL } from 'node:url';
import { POOR_PEOPLE, doctor, freshDatabase, get, inpatientBill, intArg, post, prepare, report, runScript, sleep, snapshot, startApi, storesArg, tally, type Answer, type StoreKind } from './harness.js';

interface Sent {
  bill: ReturnType<typeof inpatientBill>;
  answer?: Answer;
}

export async function crash(kind: StoreKind, cycles: number, clients: number): Promise<{ violations: string[]; figures: Record<string, unknown> }> {
  const db = await freshDatabase(kind);
  const keys = await prepare(db);
  const violations: string[] = [];
  const sent: Sent[] = [];
  let acknowledged = 0;
  let lostCommitted = 0;
  let lostNotCommitted = 0;
  let verifiedAcks = 0;
  const killAfter: number[] = [];
  const inFlightAtKill: number[] = [];
  let doctorViolations = 0;
  let seq = 0;

  for (let cycle = 1; cycle <= cycles; cycle++) {
    const api = await startApi(db);
    let stop = false;
    let inFlight = 0;
    const thisCycle: Sent[] = [];
    const loops = Array.from({ length: clients }, async () => {
      while (!stop) {
        const n = seq++;
        // 20 people, so several windows settle for the same person at the moment of the kill.
        const s: Sent = { bill: inpatientBill({ billNo: `CR-${String(n).padStart(6, '0')}`, person: POOR_PEOPLE[n % 20]!, scale: 0.5 + (n % 7) }) };
        thisCycle.push(s);
        inFlight++;
        s.answer = await post(api, keys.window, s.bill);
        inFlight--;
      }
    });
    // Kill at a point the script does not choose: somewhere between 0.4 and 1.6 s into the load.
    const delay = 400 + Math.floor(Math.random() * 1200);
    await sleep(delay);
    inFlightAtKill.push(inFlight);
    stop = true; // no new requests after this instant; the ones in flight meet the kill
    await api.kill9();
    killAfter.push(delay);
    await Promise.all(loops);
    sent.push(...thisCycle);

    // Restart on the same database and check what the windows were told.
    const again = await startApi(db);
    for (const s of thisCycle) {
      const a = s.answer!;
      if (a.status === 201 || a.status === 200) {
        acknowledged++;
        const id = (a.json as { id: string }).id;
        const stored = await get(again, keys.auditor, `/v1/settlements/${id}`);
        if (stored.status !== 200) violations.push(`cycle ${cycle}: acknowledged settlement ${id} (${s.bill.billNo}) is missing after the restart (${stored.status})`);
        else if (JSON.stringify((stored.json as { result: unknown }).result) !== JSON.stringify((a.json as { result: unknown }).result)) {
          violations.push(`cycle ${cycle}: settlement ${id} differs from what was acknowledged`);
        } else verifiedAcks++;
      } else if (a.status === 0) {
        // The answer was lost: the window posts the bill again.
        const retry = await post(again, keys.window, s.bill);
        if (retry.status === 200) lostCommitted++;
        else if (retry.status === 201) lostNotCommitted++;
        else violations.push(`cycle ${cycle}: re-posting ${s.bill.billNo} after the crash answered ${retry.status} ${retry.text.slice(0, 200)}`);
      } else {
        violations.push(`cycle ${cycle}: ${s.bill.billNo} answered ${a.status} before the crash: ${a.text.slice(0, 200)}`);
      }
    }
    await again.stop();
    const doc = await doctor(db);
    doctorViolations += doc.violations.length;
    for (const v of doc.violations) violations.push(`cycle ${cycle}: doctor: ${v.kind} ${v.message}`);
  }

  // Every bill sent is now settled exactly once.
  const snap = await snapshot(db);
  if (snap.settlements !== sent.length) violations.push(`${snap.settlements} settlements stored for ${sent.length} distinct bills`);
  const figures = {
    store: kind,
    'crash cycles (kill -9, restart)': cycles,
    'concurrent clients': clients,
    'killed after (ms)': killAfter.join(', '),
    'requests in flight at each kill': inFlightAtKill.join(', '),
    'requests sent (before kills)': sent.length,
    'answers before kills': tally(sent.map((s) => s.answer!)),
    'acknowledged (201/200), all found intact after restart': `${acknowledged} (${verifiedAcks} verified)`,
    'unanswered, committed (re-post replayed)': lostCommitted,
    'unanswered, not committed (re-post settled)': lostNotCommitted,
    'settlements stored at the end': snap.settlements,
    'audit entries': snap.audit,
    'doctor violations (all cycles)': doctorViolations,
    violations: violations.length,
  };
  return { violations, figures };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runScript('fault:crash', 600, async (args) => {
    const cycles = intArg(args, 'cycles', 3, 20);
    const clients = intArg(args, 'clients', 32, 256);
    let total = 0;
    for (const kind of storesArg(args)) {
      const r = await crash(kind, cycles, clients);
      report(`crash (kill -9 under load) on ${kind}`, r.figures);
      for (const v of r.violations) process.stdout.write(`  VIOLATION: ${v}\n`);
      total += r.violations.length;
    }
    return { violations: total };
  });
}
