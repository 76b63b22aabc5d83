/** Messages between a model run and its worker threads (structured-clone data only). */
import type { PartialData } from '../aggregate/shard-aggregate.js';

export type ToWorker = { type: 'rows'; texts: string[]; lines: number[] } | { type: 'end' };

export type FromWorker =
  | { type: 'ready'; protocol: number }
  | { type: 'ack'; n: number }
  | { type: 'error'; line: number; billNo: string | undefined; problems: { path: string; message: string }[] }
  | { type: 'fatal'; message: string; stack?: string }
  | { type: 'done'; partial: PartialData };
