/**
 * The seeded demo year against a frozen result. test/fixtures/golden/seeded-2018.json was written from
 * the implementation before the restructure (commit a79d758), settling seeds/ through the service: any
 * change to a payout, a patient share, a trace or a ledger of the 410 seeded settlements fails here,
 * naming the bill. It changes only with a deliberate change of policy or seeds (npm run golden:seeded).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededYear } from '../../scripts/golden/seeded.js';
import { canonicalJson } from '../../src/formats/canonical-json.js';
import { ROOT, startTestService, type TestService } from './fixture.js';

let svc: TestService;
beforeAll(async () => {
  svc = await startTestService({ seed: true });
});
afterAll(async () => svc.close());

const golden = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'golden', 'seeded-2018.json'), 'utf8')) as {
  settlements: Record<string, unknown>;
  totalsByFund: Record<string, string>;
  ledgers: Record<string, unknown>;
};

describe('the seeded year', () => {
  it('settles every seed bill to the frozen result, bill by bill, and every ledger to its frozen year-to-date', async () => {
    const now = (await seededYear(svc.store)) as typeof golden;
    expect(Object.keys(now.settlements)).toEqual(Object.keys(golden.settlements));
    expect(Object.keys(golden.settlements).length).toBeGreaterThan(300);
    const differ = Object.keys(golden.settlements).filter((k) => canonicalJson(now.settlements[k]) !== canonicalJson(golden.settlements[k]));
    expect(differ.slice(0, 10).map((k) => ({ bill: k, now: now.settlements[k], golden: golden.settlements[k] }))).toEqual([]);
    expect(now.totalsByFund).toEqual(golden.totalsByFund);
    expect(now.ledgers).toEqual(golden.ledgers);
  });
});
