/**
 * Reading a catalogue file (医保目录): CSV (UTF-8, English or Chinese column names) or JSON Lines, one
 * entry period a row: `code, name, category, class, selfPayRatio, priceCap, from, to, region`. Every row
 * is checked and every problem kept with its line and column, in Chinese; nothing here reads the store.
 * A file states, for each code and region it names, the complete periods of that entry.
 */
import type { Readable } from 'node:stream';
import { MoneyFormatError, readAmount, readDecimal } from '../money/text.js';
import { RATIO_DIGITS, RATIO_ONE } from '../money/units.js';
import { duplicateRow, periodOf, rawRows, type RowProblem } from '../register/rows.js';

const COLUMNS = {
  code: ['code', '编码', '医保目录编码', '项目编码'],
  name: ['name', '名称', '项目名称', '药品名称'],
  category: ['category', '目录类型', '类型'],
  class: ['class', '目录类别', '甲乙类', '收费类别'],
  selfPayRatio: ['selfPayRatio', '先行自付比例', '自付比例'],
  priceCap: ['priceCap', '限价', '最高限价'],
  from: ['from', '开始日期', '起始日期'],
  to: ['to', '结束日期', '终止日期'],
  region: ['region', '区划代码', '适用地区'],
} as const;
const REQUIRED = ['code', 'name', 'category', 'class', 'from'] as const;

const CATEGORIES: Record<string, 'drug' | 'service' | 'material'> = { drug: 'drug', 药品: 'drug', service: 'service', 诊疗项目: 'service', 医疗服务项目: 'service', material: 'material', 医用耗材: 'material', 耗材: 'material' };
const CLASSES: Record<string, 'A' | 'B' | 'C'> = { A: 'A', B: 'B', C: 'C', 甲: 'A', 乙: 'B', 丙: 'C', 甲类: 'A', 乙类: 'B', 丙类: 'C' };
const CODE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface CataloguePeriod {
  from: string;
  to: string | null;
  name: string;
  category: 'drug' | 'service' | 'material';
  class: 'A' | 'B' | 'C';
  /** Decimal text as written, normalised (no trailing zeros), B only. */
  selfPayRatio: string | null;
  /** Decimal text as written, normalised to two decimals. */
  priceCap: string | null;
  line: number;
}

export interface CatalogueEntryInFile {
  code: string;
  /** '' = every region. */
  region: string;
  periods: CataloguePeriod[];
}

const key = (code: string, region: string) => `${code}\u0000${region}`;

/** Ratio text as the store keeps it: 0.10 → "0.1", 1 → "1". */
function ratioText(r: bigint): string {
  const whole = r / RATIO_ONE;
  const frac = (r % RATIO_ONE).toString().padStart(RATIO_DIGITS, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : String(whole);
}

export async function readCatalogueFile(input: Readable, format: 'csv' | 'jsonl'): Promise<{ entries: Map<string, CatalogueEntryInFile>; rows: number; problems: RowProblem[] }> {
  const problems: RowProblem[] = [];
  const entries = new Map<string, CatalogueEntryInFile>();
  const seen = new Map<string, number>();
  let rows = 0;
  let fromColumn = 'from';
  for await (const r of rawRows(input, COLUMNS, REQUIRED, format, problems)) {
    rows++;
    fromColumn = r.column('from');
    const bad = (field: string, message: string) => problems.push({ line: r.line, column: r.column(field), message });
    const before = problems.length;
    const code = r.get('code');
    if (code === '') bad('code', '不能为空');
    else if (!CODE.test(code)) bad('code', '编码只能含字母、数字、点、横线和下划线，最长 64 个字符');
    const name = r.get('name');
    if (name === '') bad('name', '不能为空');
    const category = CATEGORIES[r.get('category')];
    if (!category) bad('category', `应为 drug（药品）、service（诊疗项目）或 material（医用耗材），收到 “${r.get('category')}”`);
    const cls = CLASSES[r.get('class')];
    if (!cls) bad('class', `应为 A（甲类）、B（乙类）或 C（丙类），收到 “${r.get('class')}”`);
    let selfPayRatio: string | null = null;
    const ratio = r.get('selfPayRatio');
    if (cls === 'B') {
      if (ratio === '') bad('selfPayRatio', '乙类须填写先行自付比例（0 至 1）');
      else {
        try {
          const v = readDecimal(ratio, { scale: RATIO_DIGITS });
          if (v < 0n || v > RATIO_ONE) bad('selfPayRatio', `应在 0 至 1 之间，收到 “${ratio}”`);
          else selfPayRatio = ratioText(v);
        } catch (e) {
          bad('selfPayRatio', e instanceof MoneyFormatError ? e.message : `不是有效的比例：“${ratio}”`);
        }
      }
    } else if (ratio !== '' && cls) bad('selfPayRatio', `只有乙类有先行自付比例（此行为${cls === 'A' ? '甲' : '丙'}类）`);
    let priceCap: string | null = null;
    const cap = r.get('priceCap');
    if (cap !== '') {
      try {
        const v = readAmount(cap);
        if (v <= 0n) bad('priceCap', '限价应大于 0');
        else priceCap = cap.includes('.') ? cap : `${cap}.00`;
      } catch (e) {
        bad('priceCap', e instanceof MoneyFormatError ? e.message : `不是有效的金额：“${cap}”`);
      }
    }
    const { from, to } = periodOf(r, bad);
    const region = r.get('region');
    if (region !== '' && !/^\d{6}$/.test(region)) bad('region', `应为 6 位行政区划代码，或留空表示所有地区（收到 “${region}”）`);
    if (duplicateRow(seen, [code, region, from], r.line, bad) || problems.length !== before) continue;
    const k = key(code, region);
    const entry = entries.get(k) ?? { code, region, periods: [] };
    entry.periods.push({ from, to: to === '' ? null : to, name, category: category!, class: cls!, selfPayRatio, priceCap, line: r.line });
    entries.set(k, entry);
  }
  for (const e of entries.values()) {
    e.periods.sort((a, b) => (a.from < b.from ? -1 : 1));
    for (let i = 1; i < e.periods.length; i++) {
      const prev = e.periods[i - 1]!;
      const cur = e.periods[i]!;
      if (prev.to === null || prev.to >= cur.from) {
        problems.push({ line: cur.line, column: fromColumn, message: `编码 ${e.code}${e.region ? `（地区 ${e.region}）` : ''}的日期与第 ${prev.line} 行（${prev.from} 至 ${prev.to ?? '今'}）重叠` });
      }
    }
  }
  problems.sort((a, b) => a.line - b.line);
  return { entries, rows, problems };
}
