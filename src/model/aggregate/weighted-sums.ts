/**
 * Σ weight x vector, kept exact and mergeable across worker threads.
 *
 * Unweighted sums of whole numbers (fen, counts) are exact integers in a Float64 (to 2^53 fen, about
 * 90 trillion yuan). A weight (integer millionths, ../input/weights.ts) multiplies an admission's whole
 * vector; to stay exact, sums are kept per distinct weight (Σ_w w·S_w is formed once, in bigint, when
 * the report is built). Past MAX_DISTINCT_WEIGHTS distinct weights in one cell or group, it switches
 * to bigint sums of weight-millionths x value: slower, still exact.
 */
export const MAX_DISTINCT_WEIGHTS = 256;

/** Σ weight x vector, exact. */
export class WeightedSums {
  byWeight: Map<number, Float64Array> | null = new Map();
  /** Fallback: Σ weight-millionths x value, per slot. */
  big: bigint[] | null = null;

  constructor(readonly width: number) {}

  /** The sums of the weight added last: rows of one weight usually come in runs (all of them, unweighted). */
  private lastWeight = Number.NaN;
  private lastSums: Float64Array | null = null;

  /**
   * Add weight x vector, where only the `n` slots listed in `slots` can be non-zero (a sparse add: an
   * admission touches about 20 of the 42 slots of xingan-2018).
   */
  addSlots(weight: number, vector: Float64Array, slots: Int32Array, n: number): void {
    let sums = weight === this.lastWeight ? this.lastSums : null;
    if (!sums && this.byWeight) {
      sums = this.byWeight.get(weight) ?? null;
      if (!sums && this.byWeight.size < MAX_DISTINCT_WEIGHTS) {
        sums = new Float64Array(this.width);
        this.byWeight.set(weight, sums);
      }
      if (sums) {
        this.lastWeight = weight;
        this.lastSums = sums;
      } else this.toBig();
    }
    if (sums) {
      for (let k = 0; k < n; k++) {
        const i = slots[k]!;
        sums[i]! += vector[i]!;
      }
      return;
    }
    const w = BigInt(weight);
    const big = this.big!;
    for (let k = 0; k < n; k++) {
      const i = slots[k]!;
      if (vector[i] !== 0) big[i]! += w * BigInt(vector[i]!);
    }
  }

  private toBig(): void {
    this.lastWeight = Number.NaN;
    this.lastSums = null;
    const big = new Array<bigint>(this.width).fill(0n);
    for (const [w, sums] of this.byWeight!) {
      checkSafe(sums);
      for (let i = 0; i < this.width; i++) big[i]! += BigInt(w) * BigInt(sums[i]!);
    }
    this.big = big;
    this.byWeight = null;
  }

  merge(other: WeightedSumsData): void {
    if (other.big) {
      if (this.byWeight) this.toBig();
      other.big.forEach((v, i) => (this.big![i]! += BigInt(v)));
      return;
    }
    other.weights!.forEach((w, k) => {
      const src = other.sums![k]!;
      if (this.byWeight) {
        let sums = this.byWeight.get(w);
        if (!sums && this.byWeight.size >= MAX_DISTINCT_WEIGHTS) this.toBig();
        else {
          if (!sums) this.byWeight.set(w, (sums = new Float64Array(this.width)));
          for (let i = 0; i < this.width; i++) sums[i]! += src[i]!;
          return;
        }
      }
      checkSafe(src);
      const big = this.big!;
      for (let i = 0; i < this.width; i++) if (src[i] !== 0) big[i]! += BigInt(w) * BigInt(src[i]!);
    });
  }

  /** Σ w·S for one slot as (numerator, denominator): the value is numerator / 1e6 (weights are millionths). */
  slotMillionths(slot: number): bigint {
    if (this.big) return this.big[slot]!;
    let s = 0n;
    for (const [w, sums] of this.byWeight!) {
      const v = sums[slot]!;
      if (v !== 0) s += BigInt(w) * BigInt(v);
    }
    return s;
  }

  data(): WeightedSumsData {
    if (this.big) return { big: this.big.map(String) };
    const weights = [...this.byWeight!.keys()];
    const sums = weights.map((w) => this.byWeight!.get(w)!);
    sums.forEach(checkSafe);
    return { weights, sums };
  }

  static from(width: number, d: WeightedSumsData): WeightedSums {
    const s = new WeightedSums(width);
    s.merge(d);
    return s;
  }
}

export interface WeightedSumsData {
  weights?: number[];
  sums?: Float64Array[];
  big?: string[];
}

function checkSafe(sums: Float64Array): void {
  for (const v of sums) {
    if (!Number.isSafeInteger(v)) throw new Error(`model sum ${v} left the exact integer range; the input is too large for one run`);
  }
}

