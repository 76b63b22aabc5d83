/**
 * JSON as onestop reads it, from every input (a bill over HTTP or on the command line, a rules file, a
 * what-if, a year-to-date file, a model's rows): the one reader.
 *
 * Numbers are read exactly from their text (SETTLEMENT.md §6, §8). A JSON number whose text is the
 * same decimal as the double it parses to (`306`, `25.5`, `1e3`) stays a number, and the money readers
 * read it from its shortest text, exactly; a number whose text a double cannot hold
 * (`99999999999.999999`, `0.10000000000000001`) becomes its text, a string, so that the field's reader
 * takes it exactly or refuses it with a clear message: it is never rounded through a float. The text
 * comes from JSON.parse's own source-text access (V8's JSON.parse with source; on by default from
 * Node.js 22, switched on here for Node.js 20).
 *
 * A key written twice in one object (`"class":"C","class":"A"`) is refused with its path, where
 * JSON.parse would silently keep the last.
 */
import { setFlagsFromString } from 'node:v8';
import { exactNumber } from './exact-number.js';

type Reviver = (this: unknown, key: string, value: unknown, context?: { source?: string }) => unknown;

function hasSourceAccess(): boolean {
  let source: string | undefined;
  JSON.parse('1.10', ((_k, v, c) => ((source = c?.source), v)) as Reviver);
  return source === '1.10';
}

if (!hasSourceAccess()) setFlagsFromString('--harmony-json-parse-with-source');
const SOURCE_ACCESS = hasSourceAccess();

/** Where in a text a syntax error is: 0-based offset, 1-based line and column (in UTF-16 code units). */
export interface TextPosition {
  offset: number;
  line: number;
  column: number;
}

/** A JSON text that is not valid, or that writes a key twice: where, and what. */
export class JsonInputError extends Error {
  constructor(
    message: string,
    /** The path of the object holding a repeated key, e.g. ["items", 2]; empty for a syntax error. */
    readonly path: (string | number)[] = [],
    readonly key?: string,
    /** A syntax error: where it is, and what is wrong there (Chinese, without the place). */
    readonly syntax?: { at: TextPosition; reason: string },
  ) {
    super(message);
    this.name = 'JsonInputError';
  }
}

/**
 * V8's JSON.parse messages (Node.js 20 and 22 word them alike; 22 adds "(line 1 column 8)"), each with
 * what a clerk or bureau officer should read instead. Unknown wordings keep V8's text after a Chinese
 * lead, so a future Node.js never hides what is wrong.
 */
const V8_JSON_MESSAGES: [RegExp, (m: RegExpExecArray) => string][] = [
  [/^Unexpected end of JSON input/, () => '内容在此处意外结束：缺少后面的部分（如未闭合的 }、] 或引号）'],
  [/^Expected property name or '\}'/, () => '此处应为用双引号括起的键名，或 }'],
  [/^Expected ':' after property name/, () => '键名后应有冒号 :'],
  [/^Expected ',' or '\}' after property value/, () => '值后应有逗号 , 或 }'],
  [/^Expected ',' or '\]' after array element/, () => '列表的一项后应有逗号 , 或 ]'],
  [/^Expected double-quoted property name/, () => '此处应为用双引号括起的键名（最后一项后不能再有逗号）'],
  [/^Unterminated string/, () => '字符串缺少结尾的双引号'],
  [/^Bad control character in string literal/, () => '字符串中有控制字符（如换行或制表符），应写作 \\n、\\t'],
  [/^Bad escaped character/, () => '字符串中的反斜杠转义无效（只能是 \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX）'],
  [/^Bad Unicode escape/, () => '\\u 转义应为 4 位十六进制数'],
  [/^No number after minus sign/, () => '负号后缺少数字'],
  [/^Exponent part is missing a number/, () => '指数部分（e 之后）缺少数字'],
  [/^Unterminated fractional number/, () => '小数点后缺少数字'],
  [/^Unexpected number/, () => '此处不应有数字（数字不能以 0 开头；或前面缺少逗号）'],
  [/^Unexpected string/, () => '此处不应有字符串（前面缺少逗号或冒号？）'],
  [/^Unexpected non-whitespace character after JSON/, () => 'JSON 已经结束，后面还有多余的内容（一个文件只能有一个值；多张账单请每行一张）'],
  [/^Unexpected token '(.+?)', /, (m) => `此处不应出现“${m[1]}”${/^[\s\u00a0\u3000\ufeff]$/u.test(m[1]!) ? '（不可见的空白字符，如全角空格或不换行空格）' : m[1] === "'" ? '（JSON 的字符串和键名须用双引号）' : ''}`],
  [/^"(.*)" is not valid JSON/, (m) => `“${m[1]}”不是 JSON 的值（应为对象、列表、字符串、数字、true、false 或 null）`],
];

/** The place of `offset` in `text`. */
export function positionOf(text: string, offset: number): TextPosition {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { offset, line, column: offset - start + 1 };
}

/**
 * Where JSON.parse stopped, when its message does not say ("Unexpected token 'x', … is not valid JSON"):
 * the shortest prefix of the text that fails other than by running out ends at the bad character. A
 * prefix of a text is either still readable so far (valid, or "Unexpected end") or already wrong, and
 * once wrong it stays wrong, so the prefixes can be searched by halving: a few parses, on the error path only.
 */
function failingOffset(text: string): number {
  const wrong = (n: number) => {
    try {
      JSON.parse(text.slice(0, n));
      return false;
    } catch (e) {
      const m = (e as Error).message;
      // Out of text is not wrong yet: "Unexpected end", or a complaint about the place just past the prefix.
      if (/^Unexpected end of JSON input/.test(m)) return false;
      const at = / at position (\d+)/.exec(m);
      return !(at && Number(at[1]) >= n);
    }
  };
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (wrong(mid)) hi = mid;
    else lo = mid + 1;
  }
  return Math.max(0, lo - 1);
}

/** JSON.parse's error for `text` as a JsonInputError in Chinese, with line and column. */
export function jsonSyntaxError(text: string, error: Error): JsonInputError {
  const v8 = error.message;
  let reason = `不是有效的 JSON（${v8}）`;
  for (const [re, say] of V8_JSON_MESSAGES) {
    const m = re.exec(v8);
    if (m) {
      reason = say(m);
      break;
    }
  }
  const stated = / at position (\d+)/.exec(v8);
  let offset: number;
  if (stated) offset = Number(stated[1]);
  else if (/^Unexpected end of JSON input/.test(v8)) offset = text.length;
  else offset = failingOffset(text);
  if (text.trim() === '') reason = '内容为空';
  const at = positionOf(text, offset);
  return new JsonInputError(`第 ${at.line} 行第 ${at.column} 列：${reason}`, [], undefined, { at, reason });
}

const keepExact: Reviver = (_key, value, context) => (typeof value === 'number' && context?.source !== undefined ? exactNumber(context.source, value) : value);

/**
 * How many colons the text has: every key is followed by one, so a text with as many colons as its
 * value has keys writes no key twice (colons inside strings only ever add to the count). Native
 * `indexOf`, no scan of the text in JavaScript.
 */
function colons(text: string): number {
  let n = 0;
  for (let i = text.indexOf(':'); i !== -1; i = text.indexOf(':', i + 1)) n++;
  return n;
}

/**
 * How many colons the text has outside its strings, for a text JSON.parse has read: in valid JSON those
 * are exactly the colons after keys, so as many as the value has keys means no key was written twice.
 * Only asked when a string holds a colon (an item named "…:…"); native `indexOf` from string to string.
 */
function colonsOutsideStrings(text: string): number {
  let n = 0;
  for (let i = 0; ; ) {
    const colon = text.indexOf(':', i);
    if (colon === -1) return n;
    const quote = text.indexOf('"', i);
    if (quote === -1 || colon < quote) {
      n++;
      i = colon + 1;
      continue;
    }
    // Past the string that opens at `quote`: its closing quote is the first not escaped by a backslash.
    let end = quote;
    for (;;) {
      end = text.indexOf('"', end + 1);
      if (end === -1) return n;
      let slashes = 0;
      while (text.charCodeAt(end - 1 - slashes) === 92) slashes++;
      if (slashes % 2 === 0) break;
    }
    i = end + 1;
  }
}

/**
 * A syntax error as a line of input names it: the line in the whole input (the value began on
 * `firstLine`), and the message with the column. Anything else keeps its message, at `firstLine`.
 */
export function jsonSyntaxProblem(e: unknown, firstLine = 1): { line: number; message: string } {
  if (e instanceof JsonInputError && e.syntax) return { line: firstLine + e.syntax.at.line - 1, message: `不是有效的 JSON：第 ${e.syntax.at.column} 列：${e.syntax.reason}` };
  return { line: firstLine, message: `不是有效的 JSON：${(e as Error).message}` };
}

/** Parse JSON text: numbers exact, a repeated key refused (see the file's comment). */
export function parseJson(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw jsonSyntaxError(text, e as Error);
  }
  const found = { keys: 0, numbers: false };
  walk(value, found);
  // A number a double may not hold exactly: parse again, keeping each number's text where it must.
  if (found.numbers) {
    if (!SOURCE_ACCESS) throw new Error('this Node.js cannot read JSON numbers exactly (no JSON.parse source text access): use Node.js 20.10 or newer');
    value = JSON.parse(text, keepExact as Parameters<typeof JSON.parse>[1]);
  }
  // JSON.parse keeps one of two equal keys, so a repeat leaves fewer keys in the value than colons in the
  // text; so do colons inside strings, and then the text is read key by key to tell the two apart.
  if (colons(text) !== found.keys && colonsOutsideStrings(text) !== found.keys) {
    const repeat = repeatedKey(text);
    if (repeat) throw repeat;
  }
  return value;
}

/** Count the keys of a parsed value, and whether it holds any number. */
function walk(v: unknown, found: { keys: number; numbers: boolean }): void {
  if (typeof v === 'number') found.numbers = true;
  if (v === null || typeof v !== 'object') return;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) walk(v[i], found);
    return;
  }
  for (const k in v) {
    found.keys++;
    walk((v as Record<string, unknown>)[k], found);
  }
}

/** The first key written twice in one object, with the object's path, or null (the text is valid JSON). */
function repeatedKey(text: string): JsonInputError | null {
  let i = 0;
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  };
  const str = (): string => {
    const start = i;
    i++;
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const found: { path: (string | number)[]; key: string }[] = [];
  const value = (path: (string | number)[]): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const seen = new Set<string>();
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        const key = str();
        if (seen.has(key) && found.length === 0) found.push({ path, key });
        seen.add(key);
        ws();
        i++; // ':'
        value([...path, key]);
        ws();
        if (text[i++] === '}') return;
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (let k = 0; ; k++) {
        value([...path, k]);
        ws();
        if (text[i++] === ']') return;
      }
    }
    if (c === '"') return void str();
    while (i < text.length && !',}] \n\r\t'.includes(text[i]!)) i++;
  };
  value([]);
  const f = found[0];
  return f ? new JsonInputError(`键 "${f.key}" 在同一对象中出现了两次`, f.path, f.key) : null;
}
