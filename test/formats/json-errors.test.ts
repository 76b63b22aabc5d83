/**
 * A JSON text that is not valid, as a clerk or bureau officer reads it (issue 25): in Chinese, with the
 * line and column, from every reader (a bill on the command line, a model's rows, a request body).
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseStandaloneBill } from '../../src/bill/parse.js';
import { InputLineError } from '../../src/formats/line-error.js';
import { JsonInputError, parseJson, positionOf } from '../../src/formats/json.js';
import { openSource } from '../../src/model/input/sources.js';
import { startTestService, type TestService } from '../http/fixture.js';

function syntaxError(text: string): JsonInputError {
  try {
    parseJson(text);
  } catch (e) {
    if (e instanceof JsonInputError) return e;
    throw e;
  }
  throw new Error(`parsed: ${text}`);
}

/** Words of three or more Latin letters a reader would see, other than the names JSON itself uses and the input quoted “…”. */
const english = (s: string) => (s.replace(/“[^”]*”/g, '').match(/[A-Za-z]{3,}/g) ?? []).filter((w) => !['JSON', 'true', 'false', 'null', 'uXXXX'].includes(w));

describe('a JSON syntax error in Chinese, at its line and column', () => {
  // One text for every wording of V8's JSON.parse the reader knows, with the place it must name.
  const cases: [string, string, number, number][] = [
    ['', '内容为空', 1, 1],
    ['{', '键名', 1, 2],
    ['{"a" 1}', '冒号', 1, 6],
    ['{"a":', '意外结束', 1, 6],
    ['{"a":1 "b":2}', '逗号 , 或 }', 1, 8],
    ['[1 2]', '逗号 , 或 ]', 1, 4],
    ['{"a":1,\n "b": 2,\n}', '最后一项后不能再有逗号', 3, 1],
    ['"abc', '双引号', 1, 5],
    ['"a\u0001"', '控制字符', 1, 3],
    ['"\\x"', '转义', 1, 3],
    ['"\\u12"', '十六进制', 1, 6],
    ['-', '负号', 1, 2],
    ['1e', '指数', 1, 3],
    ['1.', '小数点', 1, 3],
    ['01', '数字', 1, 2],
    ['{"a":1}}', '多余的内容', 1, 8],
    ['undefined', '不是 JSON 的值', 1, 1],
    ['[1,]', '“]”', 1, 4],
    ["{'a':1}", '键名', 1, 2],
    ['\u00a0{}', '不可见的空白字符', 1, 1],
    ['{\n  "billNo": "X",\n  "items": [1, 2,, 3]\n}', '“,”', 3, 18],
  ];
  it.each(cases)('%j: %s', (text, says, line, column) => {
    const e = syntaxError(text);
    expect(e.message).toBe(`第 ${line} 行第 ${column} 列：${e.syntax!.reason}`);
    expect(e.syntax!.reason).toContain(says);
    expect(e.syntax!.at).toEqual(positionOf(text, e.syntax!.at.offset));
    expect(english(e.message)).toEqual([]);
  });

  it('an unknown V8 wording keeps V8’s text behind a Chinese lead rather than hiding it', async () => {
    const { jsonSyntaxError } = await import('../../src/formats/json.js');
    const e = jsonSyntaxError('{}', new Error('Something new in JSON at position 1'));
    expect(e.message).toBe('第 1 行第 2 列：不是有效的 JSON（Something new in JSON at position 1）');
  });

  it('a pretty-printed bill on the command line names the line of the whole input', () => {
    const text = '{\n  "billNo": "X",\n  "items": [1, 2,, 3]\n}';
    let err: unknown;
    try {
      parseStandaloneBill({ line: 10, text });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputLineError);
    expect((err as InputLineError).message).toBe('第 12 行：不是有效的 JSON：第 18 列：此处不应出现“,”');
  });

  it('a model’s JSON Lines row says the same in Chinese (it was V8’s English)', async () => {
    const opened = await openSource({ kind: 'text', format: 'jsonl', text: '{"billNo":"A","person":{"id":"P1"}}\n{"billNo":"B" "person":{"id":"P2"}}\n' }, null);
    let err: unknown;
    try {
      for await (const _records of opened.records);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputLineError);
    expect((err as Error).message).toBe('第 2 行：不是有效的 JSON：第 15 列：值后应有逗号 , 或 }');
  });
});

describe('a request body that is not JSON', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(() => svc?.close());

  it('is 400 with where and what in Chinese', async () => {
    const key = await svc.key('window', 'H152200-L01');
    const res = await request(svc.app).post('/v1/settlements/preview').set('Authorization', `Bearer ${key}`).set('Content-Type', 'application/json').send('{"billNo": "X",\n "items": [}');
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({ code: 'INVALID_JSON', message: '请求体不是有效的 JSON（第 2 行第 12 列：此处不应出现“}”），请检查括号、引号和逗号' });
    const text = await request(svc.app).post('/v1/settlements/preview').set('Authorization', `Bearer ${key}`).set('Content-Type', 'application/json').send('billNo=X');
    expect(text.body.error.message).toBe('请求体不是有效的 JSON（开头应为 { 或 [，收到“b”），请检查括号、引号和逗号');
  });
});

describe('a key written twice, among strings that hold colons, quotes and backslashes', () => {
  const refused = (text: string) => {
    try {
      parseJson(text);
      return null;
    } catch (e) {
      return e instanceof JsonInputError ? { path: e.path, key: e.key } : e;
    }
  };
  it('reads a text whose strings hold colons (an item named "…:…") without refusing it', () => {
    const text = JSON.stringify({ items: [{ name: '胰岛素:笔芯', code: 'a:b' }, { name: 'x\\":y', code: '"' }], note: ':::' });
    expect(parseJson(text)).toEqual(JSON.parse(text));
  });
  it('still refuses the repeated key, wherever the colons are', () => {
    expect(refused('{"items":[{"name":"a:b","class":"C","class":"A"}]}')).toEqual({ path: ['items', 0], key: 'class' });
    expect(refused('{"n":"x\\\\","n":"y:z"}')).toEqual({ path: [], key: 'n' });
    expect(refused('{"a":"\\":","b":{"c":1,"c":2}}')).toEqual({ path: ['b'], key: 'c' });
  });
});
