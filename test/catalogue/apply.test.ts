/**
 * The catalogue at settlement (SETTLEMENT.md §2), as a pure function: strict refusals with the item's
 * path and the catalogue's value, catalogueWins with the declared values kept, out-of-catalogue codes,
 * dates and regions.
 */
import { describe, expect, it } from 'vitest';
import { applyCatalogue, catalogueInForce, type CatalogueEntry, type DeclaredItem } from '../../src/catalogue/apply.js';
import { bucketsFromItems } from '../../src/engine/buckets.js';
import { parseRatio, parseUnits } from '../../src/money/text.js';

const entries: CatalogueEntry[] = [
  { code: 'D0004', name: '注射用奥美拉唑钠（40mg）', category: 'drug', class: 'B', selfPayRatio: parseRatio('0.10'), priceCap: parseUnits('13.58'), from: '2018-01-01' },
  { code: '331004001', name: '腹腔镜胆囊切除术', category: 'service', class: 'A', from: '2018-01-01' },
  { code: 'M0112', name: '医用防粘连液', category: 'material', class: 'C', from: '2018-01-01' },
  // moves from C to B on 2018-07-01
  { code: 'D0029', name: '注射用胸腺法新', category: 'drug', class: 'C', from: '2018-01-01', to: '2018-06-30' },
  { code: 'D0029', name: '注射用胸腺法新', category: 'drug', class: 'B', selfPayRatio: parseRatio('0.20'), from: '2018-07-01' },
  // a league's own price cap for a code the region also lists
  { code: '331004001', name: '腹腔镜胆囊切除术', category: 'service', class: 'A', priceCap: parseUnits('1900.00'), from: '2018-01-01', region: '152200' },
];

const item = (code: string, over: Partial<DeclaredItem> = {}): DeclaredItem => ({
  code,
  name: code,
  unitPrice: parseUnits('100.00'),
  quantity: 10_000n,
  amount: parseUnits('100.00'),
  ...over,
});

const catalogue = (date = '2018-03-01', lineage = ['152222', '152200', '150000']) => catalogueInForce(entries, lineage, date, 'cat-v1');

describe('strict (the default)', () => {
  it('a declared class that differs is refused with the item’s path and the catalogue’s class', () => {
    const r = applyCatalogue([item('331004001', { class: 'A' }), item('M0112', { class: 'A' })], catalogue(), 'strict');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]!.path).toEqual(['items', 1, 'class']);
    expect(r.issues[0]!.message).toBe('目录类别与医保目录不符：目录中 M0112（医用防粘连液）为 丙类（C，自费），申报为 甲类（A）');
    expect(r.issues[0]!.catalogue).toEqual({ class: 'C' });
  });

  it('a ratio or cap that differs is refused field by field; one left out takes the catalogue’s', () => {
    const bad = applyCatalogue([item('D0004', { class: 'B', selfPayRatio: parseRatio('0.05'), priceCap: parseUnits('15.00') })], catalogue(), 'strict');
    expect(!bad.ok && bad.issues.map((i) => i.path.join('.'))).toEqual(['items.0.selfPayRatio', 'items.0.priceCap']);
    const left = applyCatalogue([item('D0004')], catalogue(), 'strict');
    expect(left.ok && left.items[0]).toMatchObject({ class: 'B', selfPayRatio: parseRatio('0.10'), priceCap: parseUnits('13.58') });
  });

  it('a code not in the catalogue: declared C (or nothing) is out of the catalogue, declared A or B refused', () => {
    const ok = applyCatalogue([item('X-1', { class: 'C' }), item('X-2')], catalogue(), 'strict');
    expect(ok.ok && ok.items.map((i) => i.class)).toEqual(['C', 'C']);
    expect(ok.ok && ok.record.items.map((i) => i.catalogue)).toEqual([undefined, undefined]);
    const refused = applyCatalogue([item('X-1', { class: 'B', selfPayRatio: parseRatio('0.1') })], catalogue(), 'strict');
    expect(!refused.ok && refused.issues[0]).toMatchObject({ path: ['items', 0, 'class'], message: '编码 X-1 不在医保目录中，只能按丙类（C，自费）结算，申报为乙类（B）' });
  });
});

describe('catalogueWins', () => {
  it('settles with the catalogue’s values and keeps what was declared', () => {
    const r = applyCatalogue([item('M0112', { class: 'A' }), item('331004001', { class: 'A' }), item('X-9', { class: 'A' })], catalogue(), 'catalogueWins');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.items.map((i) => i.class)).toEqual(['C', 'A', 'C']);
    expect(r.record).toEqual({
      version: 'cat-v1',
      mode: 'catalogueWins',
      items: [
        { index: 0, code: 'M0112', catalogue: { class: 'C', name: '医用防粘连液' }, declared: { class: 'A' } },
        // 331004001 declared what the catalogue has (its cap filled in from the catalogue): the version says so.
        { index: 2, code: 'X-9', declared: { class: 'A' } },
      ],
    });
    // the buckets follow the catalogue: 100.00 of M0112 is out of the catalogue, not in-policy
    expect(bucketsFromItems(r.items).buckets.outOfCatalog).toBe(parseUnits('200.00'));
  });
});

describe('dates and regions', () => {
  it('an entry that changes class on 2018-07-01 gives different buckets before and after', () => {
    const before = applyCatalogue([item('D0029')], catalogue('2018-06-30'), 'strict');
    const after = applyCatalogue([item('D0029')], catalogue('2018-07-01'), 'strict');
    expect(before.ok && bucketsFromItems(before.items).buckets).toMatchObject({ outOfCatalog: parseUnits('100.00'), preSelfPay: 0n, inPolicy: 0n });
    expect(after.ok && bucketsFromItems(after.items).buckets).toMatchObject({ outOfCatalog: 0n, preSelfPay: parseUnits('20.00'), inPolicy: parseUnits('80.00') });
  });

  it('a regional entry wins over an all-regions one; another league gets the all-regions entry', () => {
    const here = catalogue()!.entry('331004001');
    const elsewhere = catalogueInForce(entries, ['150921', '150900', '150000'], '2018-03-01', 'v')!.entry('331004001');
    expect(here?.priceCap).toBe(parseUnits('1900.00'));
    expect(elsewhere?.priceCap).toBeUndefined();
  });

  it('with no catalogue for the region, the declared values stand and an item must say its class', () => {
    expect(catalogueInForce(entries.filter((e) => e.region), ['150921', '150900', '150000'], '2018-03-01', 'v')).toBeNull();
    const declared = applyCatalogue([item('M0112', { class: 'A' })], null, 'strict');
    expect(declared.ok && declared.items[0]!.class).toBe('A');
    expect(declared.ok && declared.record.version).toBeNull();
    const missing = applyCatalogue([item('M0112')], null, 'strict');
    expect(!missing.ok && missing.issues[0]!.path).toEqual(['items', 0, 'class']);
  });
});
