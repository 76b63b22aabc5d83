/**
 * One "API process" for the store suite (see postFromProcesses in backends.ts): opens its own store on the
 * database given as argv[2], prints "ready", reads a JSON array of bills from stdin, posts them all at
 * once through the SettlementService, and prints one JSON line with what each post answered.
 */
import { join } from 'node:path';
import { loadRulesDir } from '../../src/rules/load.js';
import { RuleBook } from '../../src/rules/select.js';
import { ApiError } from '../../src/errors/api-error.js';
import { SettlementService } from '../../src/settle/service.js';
import { openStore } from '../../src/store/open.js';
import type { WorkerAnswer } from './backends.js';

const ROOT = join(import.meta.dirname, '..', '..');

async function main(): Promise<void> {
  const url = process.argv[2];
  if (!url) throw new Error('usage: worker.ts <ONESTOP_DB>');
  const store = await openStore(url);
  const service = new SettlementService({ store, rules: new RuleBook(loadRulesDir(join(ROOT, 'rules'))) });
  process.stdout.write('ready\n');
  let input = '';
  for await (const chunk of process.stdin) input += String(chunk);
  const bills = JSON.parse(input) as { billNo: string }[];
  const answers = await Promise.all(
    bills.map(async (bill): Promise<WorkerAnswer> => {
      try {
        const { replay, view } = await service.post(bill, null, 'store-test');
        return { billNo: bill.billNo, outcome: replay ? 'replay' : 'created', id: view.id, accumulators: view.result.accumulators as WorkerAnswer['accumulators'], patientPays: view.result.patientPays };
      } catch (e) {
        return { billNo: bill.billNo, outcome: 'error', error: e instanceof ApiError ? `${e.status} ${e.code} ${e.message}` : String((e as Error)?.stack ?? e) };
      }
    }),
  );
  process.stdout.write(`${JSON.stringify(answers)}\n`);
  await store.close();
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(1);
});
