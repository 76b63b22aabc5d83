/**
 * The model over the store's year agrees with the audit to the fen (issue 23): it replays each person's
 * unreversed bills in the order the counter settled them (the ledger's), not by discharge date, so a
 * bill settled out of discharge order and a reversal that re-adjudicated later bills both come out as
 * the counter has them now. Shown with `onestop model --from-store` and `onestop audit --json`, as a
 * bureau officer runs them, and the run in this process, in one thread and in worker threads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAudit } from '../../../src/audit/audit.js';
import { YearToDateLedger } from '../../../src/engine/ledger.js';
import { engineBillFromStored } from '../../../src/bill/parse.js';
import { runModel } from '../../../src/model/run/runner.js';
import { formatUnits } from '../../../src/money/text.js';
import { startTestService, type TestService } from '../../http/fixture.js';
import { cli } from '../helpers.js';

let svc: TestService;
let reversal: Awaited<ReturnType<TestService['settlements']['reverse']>>;

const bill = (billNo: string, person: string, hospital: string, discharged: string, inPolicy: string, outOfCatalogue?: string) => ({
  billNo,
  hospital: { code: hospital },
  person: { id: person },
  visit: { type: 'inpatient', admitted: discharged, discharged },
  items: [
    { code: 'X1', name: '治疗', class: 'A', unitPrice: inPolicy, quantity: '1', amount: inPolicy },
    ...(outOfCatalogue ? [{ code: 'X2', name: '自费材料', class: 'C', unitPrice: outOfCatalogue, quantity: '1', amount: outOfCatalogue }] : []),
  ],
});

beforeAll(async () => {
  svc = await startTestService({ seed: false });
  const post = (b: unknown) => svc.settlements.post(b, null, 'test');
  // P-000010: December's bill settled before March's and May's (a late-coded stay, say).
  await post(bill('SO-1', 'P-000010', 'H152200-L01', '2018-12-05', '30000.00', '5000.00'));
  await post(bill('SO-2', 'P-000010', 'H152201-C01', '2018-03-02', '9000.00'));
  await post(bill('SO-3', 'P-000010', 'H152200-L02', '2018-05-20', '14000.00', '2000.00'));
  // P-000011: A, then B and C; A is reversed and B and C are re-adjudicated.
  const a = await post(bill('SO-A', 'P-000011', 'H152200-L01', '2018-02-10', '40000.00', '20000.00'));
  await post(bill('SO-B', 'P-000011', 'H152200-L01', '2018-06-10', '10000.00'));
  await post(bill('SO-C', 'P-000011', 'H152201-C01', '2018-04-01', '7000.00', '300.00'));
  // P-000012 (a resident? no: poor) with a few small ones in order, as most people are.
  await post(bill('SO-4', 'P-000012', 'H152201-T01', '2018-01-15', '800.00'));
  await post(bill('SO-5', 'P-000012', 'H152201-T01', '2018-07-15', '2600.00'));
  reversal = await svc.settlements.reverse(a.view.id, null, '录入错误', 'test');
}, 120_000);
afterAll(async () => svc?.close());

describe('the model over the store’s year', () => {
  it('replays in ledger order with adjustments: totals equal the audit’s to the fen; discharge order would not', async () => {
    expect(reversal.readjudication.adjustments.length).toBeGreaterThan(0);
    const audit = await runAudit(svc.store, { from: '2018-01-01', to: '2018-12-31' });
    const rules = svc.rules.get('xingan-2018')!;
    for (const workers of [0, 2]) {
      const { report } = await runModel({ rules, source: { kind: 'store', store: svc.store, year: 2018 }, workers });
      expect(report.baseline.funds, `workers ${workers}`).toEqual(audit.totalsByFund);
      expect({ total: report.baseline.total, fundPaysTotal: report.baseline.fundPaysTotal, patientPays: report.baseline.patientPays }).toEqual(audit.totals);
    }

    // The same bills replayed in discharge order give other figures: the order is what is being tested.
    const rows = await svc.store.db.selectFrom('settlements').select(['bill_json', 'discharged', 'created_at']).where('status', '=', 'settled').orderBy('discharged').orderBy('created_at').execute();
    const ledger = new YearToDateLedger();
    const byDischarge = new Map<string, bigint>();
    for (const r of rows) for (const [f, v] of Object.entries(ledger.settle(engineBillFromStored(r.bill_json), rules.ruleset).funds)) byDischarge.set(f, (byDischarge.get(f) ?? 0n) + v);
    expect(Object.fromEntries([...byDischarge].map(([f, v]) => [f, formatUnits(v)]))).not.toEqual(audit.totalsByFund);
  });

  it('`onestop model --from-store` and `onestop audit --json` print the same totals', () => {
    const env = { ONESTOP_DB: svc.dbFile, ONESTOP_SEEDS: 'none' };
    const model = cli(['model', '--rules', 'xingan-2018', '--from-store', '--year', '2018', '--json'], { env });
    expect(model.status, model.stderr).toBe(0);
    const audit = cli(['audit', '--from', '2018-01-01', '--to', '2018-12-31', '--json'], { env });
    const a = JSON.parse(audit.stdout) as { totalsByFund: Record<string, string>; totals: Record<string, string> };
    const m = JSON.parse(model.stdout) as { baseline: { funds: Record<string, string>; total: string; fundPaysTotal: string; patientPays: string } };
    expect(m.baseline.funds).toEqual(a.totalsByFund);
    expect({ total: m.baseline.total, fundPaysTotal: m.baseline.fundPaysTotal, patientPays: m.baseline.patientPays }).toEqual(a.totals);
  });
});
