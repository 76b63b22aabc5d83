/**
 * The catalogue as the service holds it: every standing entry of one catalogue version, indexed by code,
 * from which the entries in force for a hospital's region and a date are taken per bill without reading
 * the store (./apply.ts applies them). Built again when an import moves the version (settle/service.ts).
 */
import { withinDates } from '../formats/iso-date.js';
import { readAmount, readDecimal } from '../money/text.js';
import { RATIO_DIGITS } from '../money/units.js';
import type { CatalogueEntryTable } from '../store/schema.js';
import { mostSpecific, type CatalogueEntry, type CatalogueInForce } from './apply.js';

export class CatalogueIndex {
  private readonly byCode = new Map<string, CatalogueEntry[]>();
  /** Per region ('' = every region): the dates its entries span, to tell "no catalogue here" from "not in it". */
  private readonly spans = new Map<string, { from: string; to: string | null }>();

  constructor(
    readonly version: number,
    rows: readonly Pick<CatalogueEntryTable, 'code' | 'region' | 'from_date' | 'to_date' | 'name' | 'category' | 'class' | 'self_pay_ratio' | 'price_cap'>[],
  ) {
    for (const r of rows) {
      const entry: CatalogueEntry = {
        code: r.code,
        name: r.name,
        category: r.category,
        class: r.class,
        ...(r.self_pay_ratio !== null ? { selfPayRatio: readDecimal(r.self_pay_ratio, { scale: RATIO_DIGITS }) } : {}),
        ...(r.price_cap !== null ? { priceCap: readAmount(r.price_cap) } : {}),
        from: r.from_date,
        ...(r.to_date !== null ? { to: r.to_date } : {}),
        ...(r.region !== '' ? { region: r.region } : {}),
      };
      const list = this.byCode.get(r.code);
      if (list) list.push(entry);
      else this.byCode.set(r.code, [entry]);
      const span = this.spans.get(r.region);
      if (!span) this.spans.set(r.region, { from: r.from_date, to: r.to_date });
      else {
        if (r.from_date < span.from) span.from = r.from_date;
        if (span.to !== null && (r.to_date === null || r.to_date > span.to)) span.to = r.to_date;
      }
    }
  }

  get size(): number {
    return this.byCode.size;
  }

  /**
   * The catalogue in force for a hospital's region lineage (most specific first, e.g. ["152201", "152200",
   * "150000"]) on a date, or null when no entry of those regions (nor an all-regions one) spans the date.
   */
  forBill(lineage: readonly string[], date: string): CatalogueInForce | null {
    const covered = ['', ...lineage].some((region) => {
      const s = this.spans.get(region);
      return s !== undefined && withinDates(s.from, s.to, date);
    });
    if (!covered) return null;
    return {
      version: String(this.version),
      entry: (code) => mostSpecific(this.byCode.get(code) ?? [], lineage, date),
    };
  }
}
