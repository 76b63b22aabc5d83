/**
 * Settlement ids: JS + date + time (ms, base 36) + a sequence within the millisecond + random. Ids of one
 * process sort in the order they were issued, so the settlements' primary-key index grows at its end
 * (one page written per batch) rather than at a random leaf per settlement; the random part keeps two
 * processes apart.
 */
import { randomBytes } from 'node:crypto';

let lastIdMs = 0;
let idSequence = 0;

export function newSettlementId(now: Date): string {
  return newId('JS', now);
}

/** An adjustment's id (调整, TZ…), issued like a settlement's. */
export function newAdjustmentId(now: Date): string {
  return newId('TZ', now);
}

function newId(prefix: string, now: Date): string {
  const day = now.toISOString().slice(0, 10).replace(/-/g, '');
  const ms = now.getTime();
  idSequence = ms === lastIdMs ? idSequence + 1 : 0;
  lastIdMs = ms;
  const time = ms.toString(36).toUpperCase().padStart(9, '0');
  const sequence = idSequence.toString(36).toUpperCase().padStart(3, '0');
  return `${prefix}${day}${time}${sequence}${randomHex6()}`;
}

/** Random bytes drawn from a pool: one randomBytes call per 1,024 ids rather than one per id (~10 µs). */
let randomPool = Buffer.alloc(0);
let randomAt = 0;

function randomHex6(): string {
  if (randomAt + 3 > randomPool.length) {
    randomPool = randomBytes(3 * 1024);
    randomAt = 0;
  }
  randomAt += 3;
  return randomPool.toString('hex', randomAt - 3, randomAt).toUpperCase();
}
