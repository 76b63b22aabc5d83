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

/** A JSON text that is not valid, or that writes a key twice: where, and what. */
export class JsonInputError extends Error {
  constructor(
    message: string,
    /** The path of the object holding a repeated key, e.g. ["items", 2]; empty for a syntax error. */
    readonly path: (string | number)[] = [],
    readonly key?: string,
  ) {
    super(message);
    this.name = 'JsonInputError';
  }
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

/** Parse JSON text: numbers exact, a repeated key refused (see the file's comment). */
export function parseJson(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new JsonInputError((e as Error).message);
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
  if (colons(text) !== found.keys) {
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
