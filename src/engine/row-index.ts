/**
 * (id, year) → row number, for hundreds of thousands of people: open addressing (linear probing) over
 * one Int32Array of (hash, row + 1) pairs, at most half full. Compact, so a lookup touches few cache
 * lines and a million admissions make no object each; the hash is seeded per process, so no input can
 * be made to collide on purpose. Rows are numbered 0, 1, 2… in order of first appearance.
 *
 * The year-to-date ledger keys its rows by person and year; a caller that keys by person alone passes
 * one year for all (the model's discharge-order check).
 */
export class RowIndex {
  private table = new Int32Array(2 * 4096);
  private mask = 4095;
  private readonly ids: string[] = [];
  private years = new Int32Array(1024);
  /** The hash of each row's key, so that growing the table never reads the ids again. */
  private hashes = new Int32Array(1024);
  private readonly seed = (Math.random() * 0x7fffffff) | 0;

  get size(): number {
    return this.ids.length;
  }

  idOf(row: number): string {
    return this.ids[row]!;
  }

  yearOf(row: number): number {
    return this.years[row]!;
  }

  private hash(id: string, year: number): number {
    let h = this.seed;
    for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ year, 0x01000193);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    return h ^ (h >>> 16);
  }

  /** The row of (id, year), or -1 when it has none. */
  find(id: string, year = 0): number {
    const h = this.hash(id, year);
    const table = this.table;
    const mask = this.mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const r = table[2 * i + 1]! - 1;
      if (r === -1) return -1;
      if (table[2 * i] === h && this.years[r] === year && this.ids[r] === id) return r;
    }
  }

  /** The row of (id, year); or, when it has none, gives it the next row r and returns -1 - r. */
  rowOf(id: string, year = 0): number {
    const h = this.hash(id, year);
    const table = this.table;
    const mask = this.mask;
    let i = h & mask;
    for (;;) {
      const r = table[2 * i + 1]! - 1;
      if (r === -1) break;
      if (table[2 * i] === h && this.years[r] === year && this.ids[r] === id) return r;
      i = (i + 1) & mask;
    }
    const row = this.ids.length;
    this.ids.push(id);
    if (row === this.hashes.length) {
      this.hashes = grown(this.hashes);
      this.years = grown(this.years);
    }
    this.hashes[row] = h;
    this.years[row] = year;
    if (2 * this.ids.length > mask + 1) this.grow();
    else {
      table[2 * i] = h;
      table[2 * i + 1] = row + 1;
    }
    return -1 - row;
  }

  /** Twice the slots, every row placed again by its kept hash. */
  private grow(): void {
    const size = 2 * (this.mask + 1);
    const table = new Int32Array(2 * size);
    const mask = size - 1;
    for (let row = 0; row < this.ids.length; row++) {
      const h = this.hashes[row]!;
      let i = h & mask;
      while (table[2 * i + 1] !== 0) i = (i + 1) & mask;
      table[2 * i] = h;
      table[2 * i + 1] = row + 1;
    }
    this.table = table;
    this.mask = mask;
  }
}

function grown(a: Int32Array): Int32Array<ArrayBuffer> {
  const next = new Int32Array(2 * a.length);
  next.set(a);
  return next;
}
