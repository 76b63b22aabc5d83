/**
 * The register from the outside: `onestop register import` (exit codes, every bad row printed, counts)
 * and the admin endpoint (streamed past the bills' 1 MB limit, 422 with every bad row, roles), with
 * GET /v1/people/{id} before and after. An ID number never appears unmasked in any of it.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idCheckCharacter } from '../../src/register/id-number.js';
import { cliOn, startTestService, type TestService } from '../http/fixture.js';

const HEADER = '人员编号,姓名,身份证号,旗县,参保地,人员类别,开始日期,结束日期';
const idNumber = (n: number) => {
  const body = `152223${String(19500101 + Math.floor(n / 1000))}${String(n % 1000).padStart(3, '0')}`;
  return body + idCheckCharacter(body);
};
const row = (id: string, n: number, population = 'poverty', from = '2018-01-01', to = '') => `${id},测试${n},${idNumber(n)},扎赉特旗,152200,${population},${from},${to}`;

let svc: TestService;
let admin: string;
let window: string;
beforeAll(async () => {
  svc = await startTestService({ seed: false });
  admin = await svc.key('admin');
  window = await svc.key('window', 'H152200-L01');
});
afterAll(async () => {
  await svc.close();
});

const cli = (args: string[]) => cliOn(svc.dbFile, args);

const person = (id: string, key = window) => request(svc.app).get(`/v1/people/${id}`).set('Authorization', `Bearer ${key}`);

describe('onestop register import', () => {
  it('refuses a file with three bad rows (exit 1, each listed, nothing applied); the fixed file is applied; again, nothing changes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'onestop-register-'));
    const badId = idNumber(2).slice(0, 17) + (idNumber(2)[17] === '1' ? '2' : '1');
    const bad = [HEADER, row('N-1', 1), `N-2,测试2,${badId},扎赉特旗,152200,poverty,2018-01-01,`, row('N-3', 3, 'nobody'), row('N-1', 1, 'poverty', '2018-06-01', '2018-07-31')];
    const file = join(dir, 'people.csv');
    // With a byte-order mark, as spreadsheets save it.
    writeFileSync(file, `\uFEFF${bad.join('\r\n')}\r\n`);
    const refused = await cli(['register', 'import', 'people', file]);
    expect(refused.code).toBe(1);
    expect(refused.out).toContain('第 3 行「身份证号」');
    expect(refused.out).toContain('第 4 行「人员类别」：未知的人员类别 “nobody”');
    expect(refused.out).toContain('第 5 行「开始日期」');
    expect(refused.out).toContain('有 3 处问题（涉及 3 行），未做任何更改');
    expect(refused.out + refused.err).not.toContain(badId);
    expect((await person('N-1')).status).toBe(404);

    const good = [HEADER, row('N-1', 1, 'poverty', '2018-01-01', '2018-05-31'), row('N-1', 1, 'poverty', '2018-06-01', '2018-07-31'), row('N-2', 2), row('N-3', 3, 'resident', '2016-01-01')];
    writeFileSync(file, `${good.join('\n')}\n`);
    const dry = await cli(['register', 'import', 'people', file, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.out).toContain('未做任何更改。将会：新增人员 3');
    expect((await person('N-1')).status).toBe(404);
    const applied = await cli(['register', 'import', 'people', file, '--source', '兴扶贫办发〔2018〕12号']);
    expect(applied.code).toBe(0);
    expect(applied.out).toMatch(/已导入 people\.csv（4 行），批次 RP-\S+：新增人员 3，变更 0，未变 0；人员类别期间：开始 4/);
    const again = await cli(['register', 'import', 'people', file]);
    expect(again.code).toBe(0);
    expect(again.out).toContain('与登记库现有内容一致，未做任何更改');
    expect(again.out).toContain('未变 3');

    const got = await person('N-1');
    expect(got.status).toBe(200);
    expect(got.body.idNumber).toBe(`${idNumber(1).slice(0, 6)}********${idNumber(1).slice(-4)}`);
    expect(got.body.memberships.map((m: { population: string; from: string; to: string }) => [m.population, m.from, m.to])).toEqual([
      ['poverty', '2018-01-01', '2018-05-31'],
      ['poverty', '2018-06-01', '2018-07-31'],
    ]);
    expect(JSON.stringify(got.body)).not.toContain(idNumber(1));
    const on = await request(svc.app).get('/v1/people/N-1?on=2018-05-31&on=2018-08-01').set('Authorization', `Bearer ${window}`);
    expect(on.body.inForce).toEqual({ '2018-05-31': [expect.objectContaining({ population: 'poverty', to: '2018-05-31' })], '2018-08-01': [] });
  });
});

describe('POST /v1/register/{kind}', () => {
  const post = (kind: string, text: string, key = admin, type = 'text/csv', query = '') =>
    request(svc.app).post(`/v1/register/${kind}${query}`).set('Authorization', `Bearer ${key}`).set('Content-Type', type).send(text);

  it('is for admins only, and takes CSV or JSON Lines', async () => {
    expect((await post('people', `${HEADER}\n${row('H-1', 11)}\n`, window)).status).toBe(403);
    const wrongType = await post('people', '{}', admin, 'application/json');
    expect(wrongType.status).toBe(415);
    const jsonl = `${JSON.stringify({ id: 'J-1', name: '测试', idNumber: idNumber(12), county: '扎赉特旗', insuredRegion: '152200', population: 'resident', from: '2016-01-01', to: null })}\n`;
    const r = await post('people', jsonl, admin, 'application/x-ndjson');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ outcome: 'applied', counts: { newPeople: 1 } });
  });

  it('lists every bad row in a 422, applies nothing, and takes a file far past the 1 MB limit of bills', async () => {
    const bad = await post('people', [HEADER, row('X-1', 21), row('X-2', 22, 'poverty', '2018-13-01'), row('X-2', 22, 'poverty', '2018-13-01')].join('\n'));
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe('REGISTER_FILE_INVALID');
    expect(bad.body.error.issues.map((i: { path: string }) => i.path)).toEqual(['第 3 行 开始日期', '第 4 行 开始日期', '第 4 行']);
    expect(bad.body.error.issues[2].message).toBe('与第 3 行重复');
    expect((await person('X-1')).status).toBe(404);

    // 20,000 people, about 1.4 MB: streamed, applied whole, in one batch.
    const rows = [HEADER];
    for (let i = 0; i < 20_000; i++) rows.push(row(`BIG-${i}`, 1000 + i, i % 3 ? 'resident' : 'poverty', '2017-01-01'));
    const text = `${rows.join('\n')}\n`;
    expect(Buffer.byteLength(text)).toBeGreaterThan(1024 * 1024);
    const dry = await post('people', text, admin, 'text/csv', '?dryRun=true');
    expect(dry.body, JSON.stringify(dry.body).slice(0, 600)).toMatchObject({ outcome: "dry-run", counts: { newPeople: 20_000 } });
    expect((await person('BIG-7')).status).toBe(404);
    const big = await post('people', text);
    expect(big.status).toBe(200);
    expect(big.body).toMatchObject({ outcome: 'applied', rows: 20_000, counts: { newPeople: 20_000, membershipsStarted: 20_000 } });
    expect((await person('BIG-19999')).body.memberships).toHaveLength(1);
  }, 60_000);
});

describe('the catalogue over HTTP', () => {
  const cat = (path: string) => request(svc.app).get(path).set('Authorization', `Bearer ${window}`);
  it('says when no catalogue covers the region; once one does, an unknown code is 目录外 and a known one shows its entry in force', async () => {
    const before = await cat('/v1/catalogue/ZZ-1?on=2018-05-01&region=152222');
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ catalogueLoaded: false, periods: [], inForce: null });
    const file = 'code,name,category,class,selfPayRatio,priceCap,from,to,region\nZZ-1,头孢,drug,B,0.10,24.00,2016-01-01,2018-06-30,152200\nZZ-1,头孢,drug,A,,,2018-07-01,,152200\n';
    const posted = await request(svc.app).post('/v1/catalogue?file=cat.csv').set('Authorization', `Bearer ${admin}`).set('Content-Type', 'text/csv').send(file);
    expect(posted.body).toMatchObject({ outcome: 'applied', kind: 'catalogue', counts: { newEntries: 1, periodsRecorded: 2 } });
    const unknown = await cat('/v1/catalogue/ZZ-2?on=2018-05-01&region=152222');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('NOT_IN_CATALOGUE');
    const known = await cat('/v1/catalogue/ZZ-1?on=2018-05-01&region=152222');
    expect(known.body).toMatchObject({ catalogueLoaded: true, inForce: { class: 'B', selfPayRatio: '0.1', priceCap: '24.00', region: '152200' } });
    expect((await cat('/v1/catalogue/ZZ-1?on=2018-07-01&region=152222')).body.inForce).toMatchObject({ class: 'A' });
    const who = await request(svc.app).get('/v1/whoami').set('Authorization', `Bearer ${window}`);
    expect(who.body.hospital).toMatchObject({ code: 'H152200-L01', regionCode: '152200' });
  });
});
