/**
 * PostgreSQL: the connection is lost at COMMIT. The window must not be told the bill was not settled when
 * it may have been: it gets the same 503 "unconfirmed" as when the SQLite writer thread dies
 * (writer-thread.test.ts), and posting the same bill again settles the question without counting
 * anything twice. A reversal whose COMMIT is lost gets a 503 too, never the 500 that says "未生效".
 *
 * The connection runs through a TCP proxy (test/store/fixtures/pg-cut-proxy.ts) that reads the client's
 * PostgreSQL messages and cuts the line at the first COMMIT: before sending it on (the server rolls the
 * transaction back) or after the server has answered it (the transaction is committed, and the answer
 * never arrives). A real server, a real pg client and the real store.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runDoctor } from '../../../src/audit/doctor.js';
import { errorAnswer } from '../../../src/http/errors.js';
import { commitOutcomeUnknown } from '../../../src/store/postgres/store.js';
import { CommitUnknown } from '../../../src/store/commit-unknown.js';
import { named } from '../../../src/store/write-set.js';
import { inpatientBill, refusal } from '../../http/fixture.js';
import { BACKENDS, IN_CI, openService, type Opened } from '../backends.js';
import { cutProxy, type CutProxy } from '../fixtures/pg-cut-proxy.js';

const pgBackend = BACKENDS.find((b) => b.name === 'postgres')!;
const HOSPITAL = 'H152200-L01';
const PERSON = 'P-000002';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});
afterAll(() => pgBackend.cleanup());

/** The service through the proxy, and a second store straight on the database to look with. */
async function throughProxy(): Promise<{ service: Opened; direct: Opened; proxy: CutProxy }> {
  const url = await pgBackend.fresh();
  const direct = await openService(url, { registry: true });
  open.push(direct);
  const proxy = await cutProxy(url);
  open.push(proxy);
  const service = await openService(proxy.url);
  open.push(service);
  return { service, direct, proxy };
}

const rows = (o: Opened, billNo: string) => o.store.db.selectFrom('settlements').select(['id', 'status']).where('hospital_code', '=', HOSPITAL).where('bill_no', '=', billNo).execute();

describe('which failed COMMITs leave the outcome unknown', () => {
  it('an answer from the server is an outcome, a lost line or the server going away is not', () => {
    const fromServer = (code: string) => Object.assign(new Error('x'), { severity: 'ERROR', code });
    expect(commitOutcomeUnknown(fromServer('40001'))).toBe(false); // serialization failure: rolled back
    expect(commitOutcomeUnknown(fromServer('23505'))).toBe(false); // a deferred unique violation: rolled back
    expect(commitOutcomeUnknown(fromServer('08006'))).toBe(true); // connection failure
    expect(commitOutcomeUnknown(fromServer('57P01'))).toBe(true); // terminating connection (admin shutdown)
    expect(commitOutcomeUnknown(Object.assign(new Error('Connection terminated unexpectedly'), {}))).toBe(true);
    expect(commitOutcomeUnknown(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe(true);
    expect(commitOutcomeUnknown(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))).toBe(true);
  });

  it('any other write with an unknown outcome is a 503 that does not say "未生效"', () => {
    const a = errorAnswer(new CommitUnknown('PostgreSQL did not confirm the COMMIT'));
    expect(a.status).toBe(503);
    expect(a.internal).toBe(false);
    expect(a.body.error.code).toBe('WRITE_UNCONFIRMED');
    expect(a.body.error.message).not.toContain('未生效');
  });
});

describe.skipIf(pgBackend.skip !== null && !IN_CI)('PostgreSQL: the connection is lost at COMMIT', () => {
  it('after the server committed: 503 "unconfirmed", and posting again answers the settlement that was made', async () => {
    const { service, direct, proxy } = await throughProxy();
    const bill = inpatientBill({ billNo: 'PG-CUT-AFTER', hospital: HOSPITAL, person: PERSON });

    proxy.cutAtNextCommit('after-answer');
    const e = await refusal(service.settlements.post(bill, null));
    expect(proxy.cuts).toBe(1);
    expect(e.status).toBe(503);
    expect(e.code).toBe('SETTLEMENT_UNCONFIRMED');
    expect(e.message).toContain('PG-CUT-AFTER');
    expect(e.message).toContain('同一账单号重新提交');
    // It was committed: the window was not told otherwise.
    const [row] = await rows(direct, 'PG-CUT-AFTER');
    expect(row).toBeDefined();

    // The pool has dropped the dead connection: the next post goes through on a new one.
    const again = await service.settlements.post(bill, null);
    expect(again.replay).toBe(true);
    expect(again.view.id).toBe(row!.id);
    expect(await rows(direct, 'PG-CUT-AFTER')).toHaveLength(1);
    const doctor = await runDoctor(direct.store, { year: 2018 });
    expect(doctor.violations).toEqual([]);
  });

  it('before the server saw the COMMIT: 503 "unconfirmed", nothing written, and posting again settles the bill once', async () => {
    const { service, direct, proxy } = await throughProxy();
    const bill = inpatientBill({ billNo: 'PG-CUT-BEFORE', hospital: HOSPITAL, person: PERSON });

    proxy.cutAtNextCommit('before-sending');
    const e = await refusal(service.settlements.post(bill, null));
    expect(proxy.cuts).toBe(1);
    expect(e.status).toBe(503);
    expect(e.code).toBe('SETTLEMENT_UNCONFIRMED');
    expect(await rows(direct, 'PG-CUT-BEFORE')).toHaveLength(0);
    // The server rolled the transaction back: the person's ledger lock is free again.
    expect(await direct.store.get<{ version: number }>(named('ledger', { person_id: PERSON, year: 2018 }))).toBeUndefined();

    const again = await service.settlements.post(bill, null);
    expect(again.replay).toBe(false);
    expect(await rows(direct, 'PG-CUT-BEFORE')).toHaveLength(1);
    expect((await direct.store.get<{ version: number }>(named('ledger', { person_id: PERSON, year: 2018 })))?.version).toBe(1);
    expect((await runDoctor(direct.store, { year: 2018 })).violations).toEqual([]);
  });

  it('a reversal whose COMMIT is lost: 503, the reversal stands, and asking again is refused as already reversed', async () => {
    const { service, direct, proxy } = await throughProxy();
    const bill = inpatientBill({ billNo: 'PG-CUT-REVERSE', hospital: HOSPITAL, person: PERSON });
    const settled = await service.settlements.post(bill, null);

    proxy.cutAtNextCommit('after-answer');
    const e = await service.settlements.reverse(settled.view.id, null, '测试').then(
      () => null,
      (err: unknown) => err,
    );
    expect(proxy.cuts).toBe(1);
    expect(e).toBeInstanceOf(CommitUnknown);
    expect(errorAnswer(e).status).toBe(503);
    expect((await rows(direct, 'PG-CUT-REVERSE'))[0]?.status).toBe('reversed');

    const again = await refusal(service.settlements.reverse(settled.view.id, null, '测试'));
    expect(again.code).toBe('ALREADY_REVERSED');
    expect((await runDoctor(direct.store, { year: 2018 })).violations).toEqual([]);
  });
});
