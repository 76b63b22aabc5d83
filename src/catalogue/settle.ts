/**
 * The catalogue at the counter (settle/service.ts): a strict refusal as an error the service answers and
 * records, and what a settlement keeps of the catalogue, as text.
 */
import { ApiError } from '../errors/api-error.js';
import type { BillInput } from '../bill/schema.js';
import type { BillItem } from '../engine/types.js';
import { formatRatio, formatUnits } from '../money/text.js';
import type { CatalogueIssue, CatalogueRecord, ItemValues } from './apply.js';

/** Values as text (the store's JSON never holds a bigint). */
export function valuesText(v: Partial<ItemValues> | undefined): Record<string, string> | undefined {
  if (!v) return undefined;
  return {
    ...(v.class !== undefined ? { class: v.class } : {}),
    ...(v.selfPayRatio !== undefined ? { selfPayRatio: formatRatio(v.selfPayRatio) } : {}),
    ...(v.priceCap !== undefined ? { priceCap: formatUnits(v.priceCap) } : {}),
  };
}

/** A bill the catalogue refused (strict mode): the issues, each with the item's path. */
export class CatalogueRefused extends Error {
  constructor(
    readonly issues: CatalogueIssue[],
    readonly catalogueVersion: number,
    readonly bill: BillInput,
  ) {
    super(issues.map((i) => i.message).join('；'));
    this.name = 'CatalogueRefused';
  }

  /** The 422 the window reads: each item's field path and the catalogue's value. */
  answer(): ApiError {
    return new ApiError(
      422,
      'CATALOGUE_MISMATCH',
      `账单中有 ${this.issues.length} 处与医保目录不符，未结算：${this.issues[0]!.message}${this.issues.length > 1 ? ' 等' : ''}`,
      this.issues.map((i) => ({ path: i.path.map((p, k) => (typeof p === 'number' ? `[${p}]` : k ? `.${p}` : p)).join(''), message: i.message })),
    );
  }

  /** What the audit keeps of the attempt. */
  issuesJson(): string {
    return JSON.stringify(this.issues.map((i) => ({ path: i.path, code: i.code, message: i.message, declared: valuesText(i.declared) ?? {}, catalogue: valuesText(i.catalogue) ?? null })));
  }
}

/** The record kept with a settlement (settlements.catalogue_json). */
export function catalogueRecordJson(r: CatalogueRecord): string {
  return JSON.stringify({
    version: r.version,
    mode: r.mode,
    items: r.items.map((i) => ({
      index: i.index,
      code: i.code,
      ...(i.catalogue ? { catalogue: { name: i.catalogue.name, ...valuesText(i.catalogue) } } : { outOfCatalogue: true }),
      ...(i.declared ? { declared: valuesText(i.declared) } : {}),
    })),
  });
}

/**
 * The bill's items as stored: as posted, with the class, ratio and cap the settlement used; an item used as
 * declared (the same object) is stored as posted. Null when every item was.
 */
export function storedItems(posted: readonly Record<string, unknown>[], declared: readonly BillItem[], used: readonly BillItem[]): Record<string, unknown>[] | null {
  let changed = false;
  for (let i = 0; i < used.length && !changed; i++) changed = used[i] !== declared[i];
  if (!changed) return null;
  return posted.map((item, i) => {
    const u = used[i]!;
    if (u === declared[i]) return item;
    const { class: _c, selfPayRatio: _r, priceCap: _p, ...rest } = item;
    return { ...rest, class: u.class, ...(u.selfPayRatio !== undefined ? { selfPayRatio: formatRatio(u.selfPayRatio) } : {}), ...(u.priceCap !== undefined ? { priceCap: formatUnits(u.priceCap) } : {}) };
  });
}
