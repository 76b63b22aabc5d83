/** The weighted nearest-rank percentile of patient payments (src/model/report/quantile.ts) against brute force. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { weightedQuantile } from '../../../src/model/report/quantile.js';

/** The weighted nearest-rank percentile by brute force: expand every value by its weight. */
function bruteForce(values: number[], weights: number[], q: number): number {
  const pairs = values.map((v, i) => [v, weights[i]!] as const).sort((a, b) => a[0] - b[0]);
  const total = weights.reduce((a, b) => a + b, 0);
  const target = Math.ceil((q * total) / 100);
  let acc = 0;
  for (const [v, w] of pairs) {
    acc += w;
    if (acc >= target) return v;
  }
  throw new Error('unreachable');
}

describe('weighted quantile', () => {
  it('the weighted 95th percentile equals a brute-force expansion (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 2_000 }), fc.integer({ min: 1, max: 7 })), { minLength: 1, maxLength: 300 }), (pairs) => {
        const values = pairs.map((p) => p[0]);
        const weights = pairs.map((p) => p[1]);
        expect(weightedQuantile(Float64Array.from(values), Float64Array.from(weights))).toBe(bruteForce(values, weights, 95));
        expect(weightedQuantile(Float64Array.from(values), null)).toBe(bruteForce(values, values.map(() => 1), 95));
        for (const q of [1, 50, 99, 100]) expect(weightedQuantile(Float64Array.from(values), null, q, 100)).toBe(bruteForce(values, values.map(() => 1), q));
      }),
      { numRuns: 300 },
    );
    // Nearest rank: of 20 values 1..20 the 19th; of 21 values the 20th (⌈19.95⌉).
    expect(weightedQuantile(Float64Array.from({ length: 20 }, (_, i) => 20 - i), null)).toBe(19);
    expect(weightedQuantile(Float64Array.from({ length: 21 }, (_, i) => i + 1), null)).toBe(20);
    expect(weightedQuantile(new Float64Array(0), null)).toBeNull();
  });
});
