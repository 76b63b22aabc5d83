// Reading a bill the clerk pastes or uploads: a whole bill as JSON (SETTLEMENT.md §8), a JSON array of
// items, or a CSV (or tab-separated text pasted from a spreadsheet) of items with a header row.
// Pure functions, no DOM: the tests import this file directly.
import { cleanNumberText, decimalToString, fenToString, lineAmountFen, parseDecimal, parseFen } from './money.js';

/** The CSV header, in Chinese and in English: the documented column names. */
export const CSV_COLUMNS = [
  { field: 'code', zh: '编码', en: 'code', aliases: ['项目编码', '药品编码', '代码'] },
  { field: 'name', zh: '名称', en: 'name', aliases: ['项目名称', '药品名称'] },
  { field: 'class', zh: '类别', en: 'class', aliases: ['目录类别', '甲乙类'] },
  { field: 'selfPayRatio', zh: '先行自付比例', en: 'selfPayRatio', aliases: ['自付比例', 'self_pay_ratio'] },
  { field: 'unitPrice', zh: '单价', en: 'unitPrice', aliases: ['unit_price', 'price'] },
  { field: 'quantity', zh: '数量', en: 'quantity', aliases: ['qty'] },
  { field: 'amount', zh: '金额', en: 'amount', aliases: ['总金额'] },
  { field: 'priceCap', zh: '限价', en: 'priceCap', aliases: ['price_cap', '最高限价'] },
];
export const CSV_HEADER_ZH = CSV_COLUMNS.map((c) => c.zh).join(',');
export const CSV_HEADER_EN = CSV_COLUMNS.map((c) => c.en).join(',');

const norm = (s) => String(s ?? '').replace(/^\uFEFF/, '').trim().toLowerCase().replace(/[\s()（）]/g, '');

function columnFor(header) {
  const n = norm(header);
  return CSV_COLUMNS.find((c) => [c.zh, c.en, ...c.aliases].some((a) => norm(a) === n))?.field ?? null;
}

/** RFC 4180 CSV (quotes, doubled quotes, CRLF), or tab-separated when the first line has tabs and no commas. */
export function parseDelimited(text) {
  const src = String(text).replace(/^\uFEFF/, '');
  const firstLine = src.split(/\r?\n/, 1)[0] ?? '';
  const sep = firstLine.includes('\t') && !firstLine.includes(',') ? '\t' : firstLine.includes('，') && !firstLine.includes(',') ? '，' : ',';
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (quoted) {
      if (c === '"') {
        if (src[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else cell += c;
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === sep) {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && src[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows.filter((r) => r.some((c) => c.trim() !== ''));
}

/** 甲/乙/丙, 甲类…, a/b/c → A/B/C; anything else is kept so the API names it. */
export function normaliseClass(v) {
  const s = String(v ?? '').trim();
  const map = { a: 'A', b: 'B', c: 'C', 甲: 'A', 乙: 'B', 丙: 'C', 甲类: 'A', 乙类: 'B', 丙类: 'C', 自费: 'C' };
  return map[s.toLowerCase()] ?? map[s] ?? s.toUpperCase();
}

/** "10%" → "0.10", "0.1" → "0.1"; exact. Anything unreadable is returned as typed. */
export function normaliseRatio(v) {
  const s = cleanNumberText(v);
  if (s === '') return '';
  if (s.endsWith('%')) {
    const d = parseDecimal(s.slice(0, -1), 6);
    if (!d) return String(v).trim();
    return decimalToString({ units: d.units, scale: d.scale + 2 });
  }
  return s;
}

/** A raw item (strings as typed) from any object with the API's field names. */
export function rawItem(o) {
  const str = (v) => (v === undefined || v === null ? '' : String(v).trim());
  return {
    code: str(o.code),
    name: str(o.name),
    class: normaliseClass(o.class),
    selfPayRatio: normaliseRatio(str(o.selfPayRatio)),
    unitPrice: str(o.unitPrice),
    quantity: str(o.quantity),
    amount: str(o.amount),
    priceCap: str(o.priceCap),
  };
}

/**
 * Items from CSV text. The first row must be the header; columns may come in any order and the
 * amount and price-cap columns may be left out. Returns { items, errors }.
 */
export function itemsFromCsv(text) {
  const rows = parseDelimited(text);
  if (!rows.length) return { items: [], errors: ['文件是空的'] };
  const header = rows[0].map(columnFor);
  const missing = ['code', 'class', 'unitPrice', 'quantity'].filter((f) => !header.includes(f));
  if (missing.length) {
    const names = missing.map((f) => CSV_COLUMNS.find((c) => c.field === f).zh).join('、');
    return { items: [], errors: [`第一行应为表头（${CSV_HEADER_ZH}，或 ${CSV_HEADER_EN}）；缺少：${names}`] };
  }
  const items = rows.slice(1).map((r) => {
    const o = {};
    header.forEach((f, i) => {
      if (f) o[f] = r[i] ?? '';
    });
    return rawItem(o);
  });
  return { items, errors: items.length ? [] : ['表头之后没有明细行'] };
}

/**
 * What was pasted or uploaded: { bill, items } for a whole bill, { items } for items only, or { errors }.
 * A JSON Lines file of several bills takes the first one (the window settles one bill at a time).
 * With `buckets: true` (the settlement office), a bill given by its four buckets is { bill, buckets };
 * a window settles itemised bills only (the API refuses buckets from a window key).
 */
export function parseImport(text, { buckets = false } = {}) {
  const t = String(text ?? '').replace(/^\uFEFF/, '').trim();
  if (!t) return { errors: ['没有内容可导入：请粘贴账单 JSON 或明细 CSV，或选择文件'] };
  if (t.startsWith('{') || t.startsWith('[')) {
    let data;
    try {
      data = JSON.parse(t);
    } catch {
      const first = t.split(/\r?\n/)[0];
      try {
        data = JSON.parse(first);
      } catch (e) {
        return { errors: [`不是有效的 JSON：${e.message}`] };
      }
    }
    if (Array.isArray(data)) {
      if (data.length && data.every((x) => x && typeof x === 'object' && ('unitPrice' in x || 'code' in x) && !('items' in x))) return { items: data.map(rawItem) };
      if (data[0] && typeof data[0] === 'object' && 'items' in data[0]) data = data[0];
      else return { errors: ['JSON 数组应为明细项（每项含 code、class、unitPrice、quantity）'] };
    }
    if (data && typeof data === 'object' && Array.isArray(data.items)) return { bill: data, items: data.items.map(rawItem) };
    if (data && typeof data === 'object' && data.buckets && typeof data.buckets === 'object') {
      if (buckets) return { bill: data, buckets: data.buckets };
      return { errors: ['这是只有分类金额的账单；窗口结算需要逐项明细（只有分类金额的依申请救助由医保经办机构办理）'] };
    }
    return { errors: ['JSON 应为一张账单（含 items 明细）或明细数组'] };
  }
  return itemsFromCsv(t);
}

/**
 * Check one raw item's numbers the way the API will, and compute its amount on integer fen.
 * Returns { amount: "1234.50" | null, errors: { field: message }, note }.
 */
export function checkItem(raw) {
  const errors = {};
  const price = raw.unitPrice === '' ? null : parseFen(raw.unitPrice);
  if (raw.unitPrice === '') errors.unitPrice = '请填写单价';
  else if (price === null || price < 0n) errors.unitPrice = '单价应为金额，最多两位小数';
  const qty = raw.quantity === '' ? null : parseDecimal(raw.quantity, 4);
  if (raw.quantity === '') errors.quantity = '请填写数量';
  else if (!qty || qty.units <= 0n) errors.quantity = '数量应大于 0，最多四位小数';
  if (raw.priceCap !== '' && (parseFen(raw.priceCap) === null || parseFen(raw.priceCap) < 0n)) errors.priceCap = '限价应为金额，最多两位小数';
  if (raw.selfPayRatio !== '') {
    const r = parseDecimal(normaliseRatio(raw.selfPayRatio), 8);
    if (!r || r.units < 0n || r.units > 10n ** BigInt(r.scale)) errors.selfPayRatio = '比例应在 0 与 1 之间，如 0.10 或 10%';
  }
  let amount = null;
  let note = '';
  if (price !== null && price >= 0n && qty && qty.units > 0n) {
    amount = fenToString(lineAmountFen(price, qty));
    if (raw.amount !== '') {
      const given = parseFen(raw.amount);
      if (given === null || fenToString(given) !== amount) note = `导入的金额 ${raw.amount} 与单价 × 数量不符，已按 ${amount} 计，请核对`;
    }
  }
  return { amount, errors, note };
}

/** One item for the API from a raw item: numbers as cleaned text, empty optional fields left out. */
export function apiItem(raw) {
  const { amount } = checkItem(raw);
  const item = { code: raw.code, class: raw.class };
  if (raw.name) item.name = raw.name;
  if (raw.selfPayRatio !== '') item.selfPayRatio = normaliseRatio(raw.selfPayRatio);
  item.unitPrice = cleanNumberText(raw.unitPrice);
  item.quantity = cleanNumberText(raw.quantity);
  item.amount = amount ?? cleanNumberText(raw.amount);
  if (raw.priceCap !== '') item.priceCap = cleanNumberText(raw.priceCap);
  return item;
}

/** A fresh bill number: date, time and four random characters (editable: a HIS number may replace it). */
export function newBillNo(now = new Date()) {
  const p = (n, w = 2) => String(n).padStart(w, '0');
  const rand = Array.from(crypto.getRandomValues(new Uint8Array(4)), (b) => 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'[b % 32]).join('');
  return `W${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}-${rand}`;
}

/** Items as CSV with the Chinese header (for saving what is on screen). */
export function itemsToCsv(items) {
  const q = (v) => (/[",\n\r]/.test(v) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
  const lines = [CSV_HEADER_ZH];
  for (const it of items) lines.push(CSV_COLUMNS.map((c) => q(it[c.field] ?? '')).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
