/**
 * The 95th percentile of patient payments: the nearest-rank percentile, weighted, i.e. the smallest
 * payment p such that the admissions paying at most p carry at least 95% of the weight. Exact (a
 * selection over every admission's payment in fen, compared and moved, never interpolated or sampled).
 */

/**
 * Smallest value v such that the weight of values ≤ v reaches ⌈num/den × total weight⌉.
 * Weights are whole numbers (millionths) or, when null, 1 each. Exact; expected linear time.
 */
export function weightedQuantile(values: Float64Array, weights: Float64Array | null, num = 95, den = 100): number | null {
  return quantileInPlace(values.slice(), weights ? weights.slice() : null, num, den);
}

/** weightedQuantile on arrays it may reorder (copies made for it). */
export function quantileInPlace(v: Float64Array, w: Float64Array | null, num = 95, den = 100): number | null {
  const n = v.length;
  if (n === 0) return null;
  let total = n;
  if (w) {
    total = 0;
    for (let i = 0; i < n; i++) total += w[i]!;
    if (!Number.isSafeInteger(total)) throw new Error('sum of weights too large for an exact percentile');
  }
  if (total === 0) return null;
  let target = Number((BigInt(num) * BigInt(total) + BigInt(den - 1)) / BigInt(den));
  if (!w) return kthSmallest(v, target - 1);
  let lo = 0;
  let hi = n;
  const swap = (a: number, b: number) => {
    const t = v[a]!;
    v[a] = v[b]!;
    v[b] = t;
    if (w) {
      const u = w[a]!;
      w[a] = w[b]!;
      w[b] = u;
    }
  };
  for (;;) {
    const a = v[lo]!;
    const b = v[(lo + hi) >>> 1]!;
    const c = v[hi - 1]!;
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let lt = lo;
    let i = lo;
    let gt = hi;
    while (i < gt) {
      const x = v[i]!;
      if (x < pivot) swap(lt++, i++);
      else if (x > pivot) swap(i, --gt);
      else i++;
    }
    let less = lt - lo;
    let equal = gt - lt;
    if (w) {
      less = 0;
      for (let k = lo; k < lt; k++) less += w[k]!;
      equal = 0;
      for (let k = lt; k < gt; k++) equal += w[k]!;
    }
    if (target <= less) hi = lt;
    else if (target <= less + equal) return pivot;
    else {
      target -= less + equal;
      lo = gt;
    }
  }
}

/**
 * The k-th smallest value (0-based) of `a`, which it reorders: Hoare's selection with a median-of-three
 * pivot, expected linear time, exact (it only compares and moves values).
 */
function kthSmallest(a: Float64Array, k: number): number {
  let l = 0;
  let r = a.length - 1;
  while (l < r) {
    const p = a[l]!;
    const q = a[(l + r) >>> 1]!;
    const t = a[r]!;
    const x = p < q ? (q < t ? q : p < t ? t : p) : p < t ? p : q < t ? t : q;
    let i = l;
    let j = r;
    do {
      while (a[i]! < x) i++;
      while (x < a[j]!) j--;
      if (i <= j) {
        const y = a[i]!;
        a[i] = a[j]!;
        a[j] = y;
        i++;
        j--;
      }
    } while (i <= j);
    if (j < k) l = i;
    if (k < i) r = j;
  }
  return a[k]!;
}

/** Split one scenario's payments (and weights) by a dimension's codes: a counting sort, O(n). */
export function byCode(codes: ArrayLike<number>, k: number, values: Float64Array, weights: Float64Array | null) {
  const starts = new Int32Array(k + 1);
  for (let i = 0; i < codes.length; i++) starts[codes[i]! + 1]!++;
  for (let c = 0; c < k; c++) starts[c + 1]! += starts[c]!;
  const at = starts.slice(0, k);
  const sortedValues = new Float64Array(values.length);
  const sortedWeights = weights ? new Float64Array(values.length) : null;
  for (let i = 0; i < codes.length; i++) {
    const j = at[codes[i]!]!++;
    sortedValues[j] = values[i]!;
    if (sortedWeights) sortedWeights[j] = weights![i]!;
  }
  return Array.from({ length: k }, (_, c) => ({
    values: sortedValues.subarray(starts[c]!, starts[c + 1]!),
    weights: sortedWeights ? sortedWeights.subarray(starts[c]!, starts[c + 1]!) : null,
    n: starts[c + 1]! - starts[c]!,
  }));
}

