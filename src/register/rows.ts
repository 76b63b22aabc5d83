/**
 * Reading a register file (people or hospitals): CSV (UTF-8, with or without a byte-order mark; English
 * or Chinese column names) or JSON Lines, one row a line. Every row is checked, every problem kept with its
 * line, column and a Chinese message, so that a file is refused with all its bad rows at once. Nothing
 * here reads or writes the store: ./plan.ts compares what a good file says with the register.
 *
 * People: one membership a row: `id, name, idNumber, county, insuredRegion, population, from, to`
 * (`to` empty = open; inclusive, §3). Hospitals: one tier period a row: `code, name, regionCode, tier,
 * from, to` (and optionally `regionName`, `county`). A file states, for each person (hospital) it names,
 * the complete memberships of the populations it contains (the complete tier history).
 */
import type { Readable } from 'node:stream';
import { csvRecords, parseCsvRecord } from '../formats/csv.js';
import { isIsoDate } from '../formats/iso-date.js';
import { InputLineError } from '../formats/line-error.js';
import { JsonInputError, parseJson } from '../formats/json.js';
import { jsonValues } from '../formats/json-values.js';
import { idNumberProblem } from './id-number.js';
import { maskIdNumber } from './mask.js';

export type RegisterKind = 'people' | 'hospitals';

export interface RowProblem {
  line: number;
  /** The column (its name as the file writes it), or '' for the row as a whole. */
  column: string;
  message: string;
}

export interface Period {
  from: string;
  /** Inclusive; null = open. */
  to: string | null;
  line: number;
}

export interface PersonInFile {
  id: string;
  name: string;
  idNumber: string;
  county: string | null;
  insuredRegion: string;
  /** By population: the periods the file states (sorted by `from`). */
  memberships: Map<string, Period[]>;
  line: number;
}

export interface HospitalInFile {
  code: string;
  name: string;
  regionCode: string;
  regionName: string | null;
  county: string | null;
  tiers: (Period & { tier: string })[];
  line: number;
}

/** Column names, English first, then the Chinese ones accepted for it. */
const PEOPLE_COLUMNS = {
  id: ['id', '人员编号', '参保人编号', '个人编号'],
  name: ['name', '姓名'],
  idNumber: ['idNumber', '身份证号', '身份证号码', '公民身份号码'],
  county: ['county', '旗县', '所属旗县', '旗县（市、区）'],
  insuredRegion: ['insuredRegion', '参保地', '参保地区划', '参保地区划代码'],
  population: ['population', '人员类别', '人群'],
  from: ['from', '开始日期', '起始日期'],
  to: ['to', '结束日期', '终止日期'],
} as const;
const PEOPLE_REQUIRED = ['id', 'name', 'idNumber', 'insuredRegion', 'population', 'from'] as const;

const HOSPITAL_COLUMNS = {
  code: ['code', '医院编码', '机构编码', '定点医药机构编码'],
  name: ['name', '医院名称', '机构名称'],
  regionCode: ['regionCode', '区划代码', '所在地区划', '行政区划代码'],
  regionName: ['regionName', '地区名称', '所在地区'],
  county: ['county', '旗县', '所属旗县'],
  tier: ['tier', '医院等级', '等级'],
  from: ['from', '开始日期', '起始日期'],
  to: ['to', '结束日期', '终止日期'],
} as const;
const HOSPITAL_REQUIRED = ['code', 'name', 'regionCode', 'tier', 'from'] as const;

/** Identifiers people type: printable, no control or invisible characters, at most 64. */
const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const REGION = /^\d{6}$/;

export interface KnownValues {
  /** Populations any loaded ruleset names (poverty, resident, dibao …). */
  populations: ReadonlySet<string>;
  /** Hospital tiers any loaded ruleset prices. */
  tiers: ReadonlySet<string>;
}

type Get = (field: string) => string;

interface RawRow {
  line: number;
  get: Get;
  /** The column names as written, by field (for messages). */
  column: (field: string) => string;
}

/** Rows of a register file, read as text: the format from the name, else from the first character. */
export async function* rawRows<C extends Record<string, readonly string[]>>(
  input: Readable,
  columns: C,
  required: readonly (keyof C & string)[],
  format: 'csv' | 'jsonl',
  problems: RowProblem[],
): AsyncGenerator<RawRow> {
  try {
    if (format === 'jsonl') {
      const english = (f: string) => f;
      for await (const v of jsonValues(input)) {
        let obj: unknown;
        try {
          obj = parseJson(v.text);
        } catch (e) {
          problems.push({ line: v.line, column: e instanceof JsonInputError && e.key ? e.key : '', message: e instanceof JsonInputError && e.key ? `键 "${e.key}" 出现了两次` : `不是有效的 JSON：${(e as Error).message}` });
          continue;
        }
        if (!obj || typeof obj !== 'object' || Array.isArray(obj)) {
          problems.push({ line: v.line, column: '', message: '每行应为一个 JSON 对象' });
          continue;
        }
        const record = obj as Record<string, unknown>;
        const unknown = Object.keys(record).filter((k) => !(k in columns) && k !== 'source');
        for (const k of unknown) problems.push({ line: v.line, column: k, message: '不认识的字段' });
        yield {
          line: v.line,
          get: (f) => {
            const x = record[f];
            return x === undefined || x === null ? '' : typeof x === 'string' ? x.trim() : String(x);
          },
          column: english,
        };
      }
      return;
    }
    let index: Map<string, number> | null = null;
    let header: string[] = [];
    for await (const r of csvRecords(input)) {
      if (r.text.trim() === '') continue;
      const fields = parseCsvRecord(r.text);
      if (!index) {
        header = fields.map((h) => h.trim());
        index = new Map();
        for (const [field, names] of Object.entries(columns)) {
          const at = header.findIndex((h) => (names as readonly string[]).some((n) => n.toLowerCase() === h.toLowerCase()));
          if (at !== -1) index.set(field, at);
        }
        const missing = required.filter((f) => !index!.has(f));
        if (missing.length) {
          problems.push({ line: r.line, column: '', message: `缺少必需的列：${missing.map((f) => `${f}（${columns[f]!.slice(1, 2).join('')}）`).join('、')}` });
          return;
        }
        const seen = new Set<number>(index.values());
        header.forEach((h, i) => {
          if (!seen.has(i) && h !== '' && h.toLowerCase() !== 'source' && h !== '依据文件') problems.push({ line: r.line, column: h, message: '不认识的列' });
        });
        continue;
      }
      const ix = index;
      yield {
        line: r.line,
        get: (f) => {
          const at = ix.get(f);
          return at === undefined ? '' : (fields[at] ?? '').trim();
        },
        column: (f) => {
          const at = ix.get(f);
          return at === undefined ? f : header[at]!;
        },
      };
    }
    if (!index) problems.push({ line: 1, column: '', message: '文件是空的：第一行应为表头' });
  } catch (e) {
    // Not UTF-8, an unclosed quote: the file as a whole, at the line it went wrong on.
    if (!(e instanceof InputLineError)) throw e;
    for (const p of e.problems) problems.push({ line: e.line, column: '', message: p.message });
  }
}

/** The format of a register file: from its name when it says, else CSV unless it starts with "{". */
export function registerFormat(name: string | undefined, firstChar?: string): 'csv' | 'jsonl' {
  if (name && /\.(jsonl|ndjson|json)$/i.test(name)) return 'jsonl';
  if (name && /\.(csv|txt|tsv)$/i.test(name)) return 'csv';
  return firstChar === '{' ? 'jsonl' : 'csv';
}

function dateProblem(value: string, required: boolean): string | null {
  if (value === '') return required ? '不能为空' : null;
  return isIsoDate(value) ? null : `不是有效日期（应为 YYYY-MM-DD，收到 “${value}”）`;
}

/** A row's `from` (required) and `to` (optional, inclusive), each checked, and `to` not before `from`. */
export function periodOf(r: { get: Get }, bad: (field: string, message: string) => void): { from: string; to: string } {
  const from = r.get('from');
  const to = r.get('to');
  const fromProblem = dateProblem(from, true);
  if (fromProblem) bad('from', fromProblem);
  const toProblem = dateProblem(to, false);
  if (toProblem) bad('to', toProblem);
  if (!fromProblem && !toProblem && to !== '' && to < from) bad('to', `结束日期 ${to} 早于开始日期 ${from}`);
  return { from, to };
}

/** Whether a row repeats an earlier one (the same key fields), named as the later row's problem. */
export function duplicateRow(seen: Map<string, number>, key: readonly string[], line: number, bad: (field: string, message: string) => void): boolean {
  const k = key.join('\u0000');
  const dup = seen.get(k);
  if (dup !== undefined) {
    bad('', `与第 ${dup} 行重复`);
    return true;
  }
  seen.set(k, line);
  return false;
}

/** Periods of one key that overlap (both ends inclusive), as the later row's problem. */
function overlapProblems(periods: Period[], what: string, problems: RowProblem[], column: string): void {
  const sorted = [...periods].sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : a.line - b.line));
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const cur = sorted[i]!;
    if (prev.to === null || prev.to >= cur.from) {
      problems.push({ line: cur.line, column, message: `${what}的日期与第 ${prev.line} 行（${prev.from} 至 ${prev.to ?? '今'}）重叠` });
    }
  }
}

/** A people file, read and checked whole. */
export async function readPeopleFile(input: Readable, format: 'csv' | 'jsonl', known: KnownValues): Promise<{ people: Map<string, PersonInFile>; rows: number; problems: RowProblem[] }> {
  const problems: RowProblem[] = [];
  const people = new Map<string, PersonInFile>();
  const rowsSeen = new Map<string, number>();
  let rows = 0;
  let fromColumn = 'from';
  let idColumn = 'idNumber';
  for await (const r of rawRows(input, PEOPLE_COLUMNS, PEOPLE_REQUIRED, format, problems)) {
    rows++;
    fromColumn = r.column('from');
    idColumn = r.column('idNumber');
    const bad = (field: string, message: string) => problems.push({ line: r.line, column: r.column(field), message });
    const v = (f: keyof typeof PEOPLE_COLUMNS) => r.get(f);
    const before = problems.length;
    const id = v('id');
    if (id === '') bad('id', '不能为空');
    else if (!IDENTIFIER.test(id)) bad('id', '人员编号只能含字母、数字、点、横线和下划线，最长 64 个字符');
    if (v('name') === '') bad('name', '不能为空');
    else if (v('name').length > 100) bad('name', '最长 100 个字符');
    const idNumber = v('idNumber');
    const idProblem = idNumber === '' ? '不能为空' : idNumberProblem(idNumber);
    if (idProblem) bad('idNumber', idNumber && /^\d{17}[\dX]$/.test(idNumber) ? `${idProblem}（${maskIdNumber(idNumber)}）` : idProblem);
    const insured = v('insuredRegion');
    if (insured === '') bad('insuredRegion', '不能为空');
    else if (!REGION.test(insured)) bad('insuredRegion', `参保地应为 6 位行政区划代码，如 152200（收到 “${insured}”）`);
    const population = v('population');
    if (population === '') bad('population', '不能为空');
    else if (!known.populations.has(population)) bad('population', `未知的人员类别 “${population}”（规则中有：${[...known.populations].join('、')}）`);
    const { from, to } = periodOf(r, bad);
    if (duplicateRow(rowsSeen, [id, population, from, to], r.line, bad) || problems.length !== before) continue;

    const attrs = { name: v('name'), idNumber, county: v('county') || null, insuredRegion: insured };
    let p = people.get(id);
    if (!p) people.set(id, (p = { id, ...attrs, memberships: new Map(), line: r.line }));
    else {
      for (const f of ['name', 'idNumber', 'county', 'insuredRegion'] as const) {
        if (p[f] !== attrs[f]) {
          const shown = (x: string | null) => (f === 'idNumber' && x ? maskIdNumber(x) : (x ?? '（空）'));
          bad(f, `与第 ${p.line} 行写的同一人不一致（${shown(p[f])} 与 ${shown(attrs[f])}）`);
        }
      }
    }
    const list = p.memberships.get(population) ?? [];
    list.push({ from, to: to === '' ? null : to, line: r.line });
    p.memberships.set(population, list);
  }
  for (const p of people.values()) {
    for (const [population, periods] of p.memberships) {
      overlapProblems(periods, `${p.id} 的人员类别 ${population} `, problems, fromColumn);
      periods.sort((a, b) => (a.from < b.from ? -1 : 1));
    }
  }
  // The same ID number for two people is a register error, not two people.
  const byNumber = new Map<string, PersonInFile>();
  for (const p of people.values()) {
    const other = byNumber.get(p.idNumber);
    if (other) problems.push({ line: p.line, column: idColumn, message: `与第 ${other.line} 行的 ${other.id} 身份证号相同（${maskIdNumber(p.idNumber)}）` });
    else byNumber.set(p.idNumber, p);
  }
  problems.sort((a, b) => a.line - b.line);
  return { people, rows, problems };
}

/** A hospitals file, read and checked whole. */
export async function readHospitalsFile(input: Readable, format: 'csv' | 'jsonl', known: KnownValues): Promise<{ hospitals: Map<string, HospitalInFile>; rows: number; problems: RowProblem[] }> {
  const problems: RowProblem[] = [];
  const hospitals = new Map<string, HospitalInFile>();
  const rowsSeen = new Map<string, number>();
  let rows = 0;
  let fromColumn = 'from';
  for await (const r of rawRows(input, HOSPITAL_COLUMNS, HOSPITAL_REQUIRED, format, problems)) {
    rows++;
    fromColumn = r.column('from');
    const bad = (field: string, message: string) => problems.push({ line: r.line, column: r.column(field), message });
    const v = (f: keyof typeof HOSPITAL_COLUMNS) => r.get(f);
    const before = problems.length;
    const code = v('code');
    if (code === '') bad('code', '不能为空');
    else if (!IDENTIFIER.test(code)) bad('code', '医院编码只能含字母、数字、点、横线和下划线，最长 64 个字符');
    if (v('name') === '') bad('name', '不能为空');
    const region = v('regionCode');
    if (region === '') bad('regionCode', '不能为空');
    else if (!REGION.test(region)) bad('regionCode', `应为 6 位行政区划代码，如 152200（收到 “${region}”）`);
    const tier = v('tier');
    if (tier === '') bad('tier', '不能为空');
    else if (!known.tiers.has(tier)) bad('tier', `未知的医院等级 “${tier}”（规则中有：${[...known.tiers].join('、')}）`);
    const { from, to } = periodOf(r, bad);
    if (duplicateRow(rowsSeen, [code, tier, from, to], r.line, bad) || problems.length !== before) continue;
    const attrs = { name: v('name'), regionCode: region, regionName: v('regionName') || null, county: v('county') || null };
    let h = hospitals.get(code);
    if (!h) hospitals.set(code, (h = { code, ...attrs, tiers: [], line: r.line }));
    else {
      for (const f of ['name', 'regionCode', 'regionName', 'county'] as const) {
        if (h[f] !== attrs[f]) bad(f, `与第 ${h.line} 行写的同一医院不一致（${h[f] ?? '（空）'} 与 ${attrs[f] ?? '（空）'}）`);
      }
    }
    h.tiers.push({ tier, from, to: to === '' ? null : to, line: r.line });
  }
  for (const h of hospitals.values()) {
    overlapProblems(h.tiers, `${h.code} 的等级`, problems, fromColumn);
    h.tiers.sort((a, b) => (a.from < b.from ? -1 : 1));
  }
  problems.sort((a, b) => a.line - b.line);
  return { hospitals, rows, problems };
}

export const REGISTER_COLUMNS = { people: PEOPLE_COLUMNS, hospitals: HOSPITAL_COLUMNS } as const;
