/**
 * The medical catalogue (医保目录) at settlement (SETTLEMENT.md §2): an item's class, B-class self-pay
 * ratio and price cap come from the catalogue entry for its code in force on the admission date, for
 * the hospital's region (就医地目录), not from the hospital's declaration.
 *
 * - `strict` (the default): a declared class, ratio or cap that differs from the entry is refused with
 *   the item's path and the catalogue's value; so is a code the catalogue does not have, unless it is
 *   declared C (out of the catalogue). A declared value left out is not a disagreement: the entry's is used.
 * - `catalogueWins`: the entry's values are used (a code not in the catalogue is class C) and what was
 *   declared is kept with the settlement for the audit.
 * - With no catalogue for the hospital's region, the declared values are used, and the settlement says so.
 *
 * Pure: the entries in force are given (`CatalogueInForce`, from the store), and nothing is written here.
 */
import type { BillItem, ItemClass } from '../engine/types.js';
import { withinDates } from '../formats/iso-date.js';
import { formatRatio, formatUnits } from '../money/text.js';
import type { Ratio, Units } from '../money/units.js';

export type CatalogueMode = 'strict' | 'catalogueWins';

export interface CatalogueEntry {
  code: string;
  name: string;
  /** drug 药品, service 诊疗项目, material 医用耗材. */
  category: 'drug' | 'service' | 'material';
  class: ItemClass;
  /** For class B: the share the patient pays first (先行自付比例). */
  selfPayRatio?: Ratio;
  /** Per unit (限价). */
  priceCap?: Units;
  /** Inclusive dates, YYYY-MM-DD; `to` absent = open. */
  from: string;
  to?: string;
  /** The region the entry is for; absent = every region. */
  region?: string;
}

/** The catalogue as it stood when the bill was settled, for one hospital region and date. */
export interface CatalogueInForce {
  /** Identifies the catalogue version (recorded with the settlement, used again by the audit). */
  version: string;
  /** The entry for a code, the most specific region first; undefined when the catalogue lacks it. */
  entry(code: string): CatalogueEntry | undefined;
}

/** An item as posted: what the hospital declared (class may be left to the catalogue). */
export type DeclaredItem = Omit<BillItem, 'class'> & { class?: ItemClass };

export interface ItemValues {
  class: ItemClass;
  selfPayRatio?: Ratio;
  priceCap?: Units;
}

/** What the catalogue did to one item, kept with the settlement: a 目录外 item, or one whose declaration it overruled. */
export interface CatalogueItemRecord {
  index: number;
  code: string;
  /** The entry's values; absent for a code the catalogue does not have (目录外). */
  catalogue?: ItemValues & { name: string };
  /** What the hospital declared, where it differs from what was used (catalogueWins only). */
  declared?: Partial<ItemValues>;
}

export interface CatalogueRecord {
  /** The version applied, or null when no catalogue covers the hospital's region (declared values used). */
  version: string | null;
  mode: CatalogueMode;
  items: CatalogueItemRecord[];
}

export interface CatalogueIssue {
  path: (string | number)[];
  message: string;
  /** For the record of refusals: the item, what was declared and what the catalogue has. */
  code: string;
  declared: Partial<ItemValues>;
  catalogue?: ItemValues;
}

export type CatalogueOutcome = { ok: true; items: BillItem[]; record: CatalogueRecord } | { ok: false; issues: CatalogueIssue[] };

const CLASS_NAMES: Record<ItemClass, string> = { A: '甲类（A）', B: '乙类（B）', C: '丙类（C，自费）' };

function entryValues(e: CatalogueEntry): ItemValues {
  return { class: e.class, ...(e.selfPayRatio !== undefined ? { selfPayRatio: e.selfPayRatio } : {}), ...(e.priceCap !== undefined ? { priceCap: e.priceCap } : {}) };
}

/** The declared values that differ from the catalogue's (a value left out never differs). */
function differences(item: DeclaredItem, c: ItemValues): (keyof ItemValues)[] {
  const out: (keyof ItemValues)[] = [];
  if (item.class !== undefined && item.class !== c.class) out.push('class');
  // A ratio means something only for class B: compared where the catalogue's class is B.
  if (c.class === 'B' && item.selfPayRatio !== undefined && item.selfPayRatio !== c.selfPayRatio) out.push('selfPayRatio');
  if (item.priceCap !== undefined && item.priceCap !== c.priceCap) out.push('priceCap');
  return out;
}

function declaredOf(item: DeclaredItem): Partial<ItemValues> {
  return {
    ...(item.class !== undefined ? { class: item.class } : {}),
    ...(item.selfPayRatio !== undefined ? { selfPayRatio: item.selfPayRatio } : {}),
    ...(item.priceCap !== undefined ? { priceCap: item.priceCap } : {}),
  };
}

const show = {
  class: (v: ItemClass | undefined) => (v === undefined ? '（未填）' : CLASS_NAMES[v]),
  selfPayRatio: (v: Ratio | undefined) => (v === undefined ? '（无）' : formatRatio(v)),
  priceCap: (v: Units | undefined) => (v === undefined ? '（不限价）' : `${formatUnits(v)} 元`),
};
const FIELD_NAMES = { class: '目录类别', selfPayRatio: '先行自付比例', priceCap: '限价' } as const;

function withValues(item: DeclaredItem, v: ItemValues): BillItem {
  const { class: _c, selfPayRatio: _r, priceCap: _p, ...rest } = item;
  return { ...rest, class: v.class, ...(v.selfPayRatio !== undefined ? { selfPayRatio: v.selfPayRatio } : {}), ...(v.priceCap !== undefined ? { priceCap: v.priceCap } : {}) };
}

/**
 * Apply the catalogue in force to a bill's items. `catalogue` is null when none covers the hospital's
 * region on the date: the declared values stand (and an item without a class is refused).
 */
export function applyCatalogue(items: readonly DeclaredItem[], catalogue: CatalogueInForce | null, mode: CatalogueMode): CatalogueOutcome {
  const issues: CatalogueIssue[] = [];
  const out: BillItem[] = [];
  const record: CatalogueRecord = { version: catalogue?.version ?? null, mode, items: [] };
  items.forEach((item, i) => {
    if (!catalogue) {
      if (item.class === undefined) issues.push({ path: ['items', i, 'class'], message: '本地区未载入医保目录，须填写目录类别 A、B 或 C', code: item.code, declared: {} });
      else out.push(item as BillItem);
      return;
    }
    const entry = catalogue.entry(item.code);
    if (!entry) {
      // Out of the catalogue (目录外): class C, whatever was declared.
      const outside: ItemValues = { class: 'C' };
      if (mode === 'strict' && item.class !== undefined && item.class !== 'C') {
        issues.push({
          path: ['items', i, 'class'],
          message: `编码 ${item.code} 不在医保目录中，只能按丙类（C，自费）结算，申报为${CLASS_NAMES[item.class]}`,
          code: item.code,
          declared: declaredOf(item),
        });
        return;
      }
      const declared = declaredOf(item);
      record.items.push({ index: i, code: item.code, ...(item.class !== undefined && item.class !== 'C' ? { declared } : {}) });
      out.push(item.class === 'C' && item.selfPayRatio === undefined && item.priceCap === undefined ? (item as BillItem) : withValues(item, outside));
      return;
    }
    const values = entryValues(entry);
    const differ = differences(item, values);
    if (differ.length && mode === 'strict') {
      for (const field of differ) {
        const d = item[field] as never;
        const c = values[field] as never;
        issues.push({
          path: ['items', i, field],
          message: `${FIELD_NAMES[field]}与医保目录不符：目录中 ${item.code}（${entry.name}）为 ${show[field](c)}，申报为 ${show[field](d)}`,
          code: item.code,
          declared: declaredOf(item),
          catalogue: values,
        });
      }
      return;
    }
    // The record keeps what the audit needs: the items the catalogue overruled (the version says the rest).
    if (differ.length) record.items.push({ index: i, code: item.code, catalogue: { ...values, name: entry.name }, declared: declaredOf(item) });
    // An item that declared just what the catalogue has is used as it is.
    const same = item.class === values.class && item.selfPayRatio === values.selfPayRatio && item.priceCap === values.priceCap;
    out.push(same ? (item as BillItem) : withValues(item, values));
  });
  return issues.length ? { ok: false, issues } : { ok: true, items: out, record };
}

/**
 * The entry in force on `date` for a hospital's region lineage (most specific first, e.g. ["152201",
 * "152200", "150000"]): a regional entry wins over an all-regions one (no region, or ''); undefined when
 * none applies.
 */
export function mostSpecific<E extends { from: string; to?: string | null; region?: string | null }>(entries: readonly E[], lineage: readonly string[], date: string): E | undefined {
  let best: E | undefined;
  let bestRank = Infinity;
  for (const e of entries) {
    if (!withinDates(e.from, e.to, date)) continue;
    const rank = e.region === undefined || e.region === null || e.region === '' ? lineage.length : lineage.indexOf(e.region);
    if (rank !== -1 && rank < bestRank) {
      best = e;
      bestRank = rank;
    }
  }
  return best;
}

/** The catalogue in force from a list of entries, for a hospital's region lineage and a date (null: none applies). */
export function catalogueInForce(entries: readonly CatalogueEntry[], lineage: readonly string[], date: string, version: string): CatalogueInForce | null {
  const byCode = new Map<string, CatalogueEntry[]>();
  for (const e of entries) byCode.set(e.code, [...(byCode.get(e.code) ?? []), e]);
  if (!entries.some((e) => mostSpecific([e], lineage, date))) return null;
  return { version, entry: (code) => mostSpecific(byCode.get(code) ?? [], lineage, date) };
}
