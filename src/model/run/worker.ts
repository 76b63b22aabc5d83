/**
 * Worker-thread entry of a model run (compiled to dist/model/run/worker.js; see runner.ts for how it is
 * found). Receives the shard's setup as workerData, then batches of rows, then "end"; answers with an
 * acknowledgement per batch (for progress and back-pressure), the first bad row, or its partial aggregate.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { InputLineError } from '../../formats/line-error.js';
import { transferList } from '../aggregate/shard-aggregate.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { ModelShard, PROTOCOL, type ShardInit } from './shard.js';

const port = parentPort!;
const post = (m: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

let shard: ModelShard | null = null;
let failed = false;
try {
  shard = new ModelShard(workerData as ShardInit);
  post({ type: 'ready', protocol: PROTOCOL });
} catch (e) {
  failed = true;
  post({ type: 'fatal', message: (e as Error).message, stack: (e as Error).stack });
}

port.on('message', (m: ToWorker) => {
  if (failed || !shard) return;
  try {
    if (m.type === 'rows') {
      shard.process(m.texts, m.lines);
      post({ type: 'ack', n: m.texts.length });
    } else {
      const partial = shard.finish();
      post({ type: 'done', partial }, transferList(partial));
    }
  } catch (e) {
    failed = true;
    if (e instanceof InputLineError) post({ type: 'error', line: e.line, billNo: e.billNo, problems: e.problems });
    else post({ type: 'fatal', message: (e as Error).message, stack: (e as Error).stack });
  }
});
