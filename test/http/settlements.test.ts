/**
 * POST /v1/settlements and its siblings, against a real service on a fresh SQLite database.
 */
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { previewSchema, settlementListSchema, settlementViewSchema } from '../../src/http/schemas.js';
import { createKey, revokeKey } from '../../src/access/keys.js';
import { settlementBody } from '../../src/settle/views.js';
import { inpatientBill, startTestService, type TestService } from './fixture.js';

let svc: TestService;
let windowKey: string; // H152200-L01 兴安盟人民医院
let otherWindowKey: string; // a county hospital
let auditorKey: string;
let financeKey: string;
const HOSPITAL = 'H152200-L01';
const OTHER = 'H152221-C01';
const POOR = 'P-000001';

async function counts() {
  const db = svc.store.db;
  const n = async (t: 'settlements' | 'audit_log' | 'settlement_funds') => Number((await db.selectFrom(t).select((eb) => eb.fn.countAll<number>().as('c')).executeTakeFirstOrThrow()).c);
  return { settlements: await n('settlements'), audit: await n('audit_log'), funds: await n('settlement_funds') };
}

async function ledger(person: string, year = 2018) {
  const row = await svc.store.db.selectFrom('ledgers').select('accumulators_json').where('person_id', '=', person).where('year', '=', year).executeTakeFirst();
  return row?.accumulators_json ?? '{}';
}

const post = (key: string, body: unknown, path = '/v1/settlements') => request(svc.app).post(path).set('Authorization', `Bearer ${key}`).send(body as object);

beforeAll(async () => {
  svc = await startTestService({ seed: false });
  windowKey = await svc.key('window', HOSPITAL);
  otherWindowKey = await svc.key('window', OTHER);
  auditorKey = await svc.key('auditor');
  financeKey = await svc.key('finance');
});
afterAll(async () => svc.close());

describe('POST /v1/settlements', () => {
  it('answers with exactly the JSON of the view: the stored result spliced in as text equals the view serialised', async () => {
    const { view } = await svc.settlements.post(inpatientBill({ billNo: 'T-BODY-1', hospital: HOSPITAL, person: 'P-000002' }), null, 'test');
    const spliced = settlementBody(view, { replay: false });
    expect(spliced).toBe(JSON.stringify({ ...view, replay: false }));
    expect(JSON.parse(spliced)).toEqual({ ...JSON.parse(JSON.stringify(view)), replay: false });
    expect(settlementBody(view)).toBe(JSON.stringify(view));
    const res = await post(windowKey, inpatientBill({ billNo: 'T-BODY-1', hospital: HOSPITAL, person: 'P-000002' }));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.text).toBe(JSON.stringify({ ...view, replay: true }));
  });

  it('views share one result getter: a getter made per view kept every settled row alive until a full collection', async () => {
    // V8 keeps an accessor's functions in the object's hidden class (old-generation memory): a closure per
    // view made each view's class point at that view's row, and each row then outlived every scavenge.
    const a = await svc.settlements.post(inpatientBill({ billNo: 'T-GETTER-1', hospital: HOSPITAL, person: 'P-000020' }), null, 'test');
    const b = await svc.settlements.post(inpatientBill({ billNo: 'T-GETTER-2', hospital: HOSPITAL, person: 'P-000021', scale: 2 }), null, 'test');
    const getter = (v: object) => Object.getOwnPropertyDescriptor(v, 'result')?.get;
    expect(getter(a.view)).toBeTypeOf('function');
    expect(getter(a.view)).toBe(getter(b.view));
    // Each still reads its own stored result, parsed once.
    expect(a.view.result.total).not.toBe(b.view.result.total);
    expect(a.view.result).toBe(a.view.result);
    expect(Object.keys(a.view)).toContain('result');
  });

  it('settles and stores a bill: 201 with id, ruleset id and version hash, and the §8 result', async () => {
    const res = await post(windowKey, inpatientBill({ billNo: 'T-0001', hospital: HOSPITAL, person: POOR }));
    expect(res.status).toBe(201);
    const view = settlementViewSchema.parse(res.body);
    expect(view.replay).toBe(false);
    expect(view.rulesetId).toBe('xingan-2018');
    expect(view.rulesetHash).toBe(svc.rules.get('xingan-2018')!.hash);
    expect(view.result.population).toBe('poverty');
    expect(view.result.steps.map((s) => s.id)).toEqual(['basic', 'serious', 'commercial', 'assistance', 'floor', 'oop']);
    const r = view.result;
    const fundSum = Object.values(r.funds).reduce((a, b) => a + Math.round(Number(b) * 100), 0);
    expect(fundSum + Math.round(Number(r.patientPays) * 100)).toBe(Math.round(Number(r.total) * 100));
    expect(Number(r.actualRatio)).toBeGreaterThanOrEqual(0.9);
    expect(view.person.idNumber).toMatch(/^\d{6}\*{8}[\dX]{4}$/);
  });

  it('a replay returns the same settlement (200, marked) and moves nothing; 306 and "306.00" are the same amount', async () => {
    const bill = inpatientBill({ billNo: 'T-0002', hospital: HOSPITAL, person: POOR });
    const first = await post(windowKey, bill);
    expect(first.status).toBe(201);
    const before = { c: await counts(), l: await ledger(POOR) };
    const again = structuredClone(bill) as { items: { amount: unknown }[] };
    again.items[1]!.amount = 306;
    const second = await post(windowKey, again);
    expect(second.status).toBe(200);
    expect(second.body.replay).toBe(true);
    expect(second.body.id).toBe(first.body.id);
    expect(second.body.result).toEqual(first.body.result);
    expect({ c: await counts(), l: await ledger(POOR) }).toEqual(before);
  });

  it('the same bill number with different content is 409 and writes nothing', async () => {
    await post(windowKey, inpatientBill({ billNo: 'T-0003', hospital: HOSPITAL, person: POOR }));
    const before = { c: await counts(), l: await ledger(POOR) };
    const res = await post(windowKey, inpatientBill({ billNo: 'T-0003', hospital: HOSPITAL, person: POOR, scale: 2 }));
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('BILL_NO_CONFLICT');
    expect({ c: await counts(), l: await ledger(POOR) }).toEqual(before);
  });

  it('50 concurrent posts of one bill produce one settlement, every answer carrying its id', async () => {
    const bill = inpatientBill({ billNo: 'T-DUP', hospital: HOSPITAL, person: 'P-000002' });
    const before = await counts();
    const answers = await Promise.all(Array.from({ length: 50 }, () => post(windowKey, bill)));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(49);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect((await counts()).settlements).toBe(before.settlements + 1);
  });

  it('50 concurrent different bills of one poor person: accumulators equal the sum of recorded changes, no cap exceeded', async () => {
    const person = 'P-000003';
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => post(windowKey, inpatientBill({ billNo: `T-MANY-${i}`, hospital: HOSPITAL, person, scale: 1 + (i % 7) }))),
    );
    expect(answers.every((a) => a.status === 201)).toBe(true);
    // Recorded changes, summed, must give the ledger exactly.
    const sum = new Map<string, number>();
    let patientPaysFen = 0;
    const paidByStep = new Map<string, number>();
    for (const a of answers) {
      const r = a.body.result;
      patientPaysFen += Math.round(Number(r.patientPays) * 100);
      for (const s of r.steps) paidByStep.set(s.id, (paidByStep.get(s.id) ?? 0) + Math.round(Number(s.payout) * 100));
      for (const [k, fields] of Object.entries(r.accumulators as Record<string, Record<string, { before: string; after: string }>>)) {
        for (const [f, c] of Object.entries(fields)) sum.set(`${k}.${f}`, (sum.get(`${k}.${f}`) ?? 0) + (Number(c.after) - Number(c.before)));
      }
    }
    const stored = JSON.parse(await ledger(person)) as Record<string, Record<string, string>>;
    for (const [k, fields] of Object.entries(stored)) for (const [f, v] of Object.entries(fields)) expect(Number(v)).toBeCloseTo(sum.get(`${k}.${f}`)!, 6);
    // The chain of snapshots is linear: each settlement read exactly what the previous one wrote.
    const basicChain = answers.map((a) => a.body.result.accumulators.basic.paid).sort((x: { before: string }, y: { before: string }) => Number(x.before) - Number(y.before));
    for (let i = 1; i < basicChain.length; i++) expect(basicChain[i].before).toBe(basicChain[i - 1].after);
    // Caps: assistance 50,000 a year; basic 150,000; the poor pay at most 5,000 a year in all.
    expect(paidByStep.get('assistance')!).toBeLessThanOrEqual(5_000_000);
    expect(paidByStep.get('basic')!).toBeLessThanOrEqual(15_000_000);
    expect(patientPaysFen).toBeLessThanOrEqual(500_000);
    expect(Number(stored.oop!.paid)).toBeCloseTo(patientPaysFen / 100, 6);
  });
});

describe('POST /v1/settlements/preview', () => {
  it('computes what posting would, and stores nothing', async () => {
    const bill = inpatientBill({ billNo: 'T-PRE', hospital: HOSPITAL, person: 'P-000004' });
    const before = { c: await counts(), l: await ledger('P-000004') };
    const pre = await post(windowKey, bill, '/v1/settlements/preview');
    expect(pre.status).toBe(200);
    const p = previewSchema.parse(pre.body);
    expect({ c: await counts(), l: await ledger('P-000004') }).toEqual(before);
    const real = await post(windowKey, bill);
    expect(real.status).toBe(201);
    expect(real.body.result).toEqual(p.result);
  });
});

describe('POST /v1/settlements/{id}/reversal', () => {
  it('takes back exactly the accumulator changes; a second reversal is 409', async () => {
    const person = 'P-000005';
    await post(windowKey, inpatientBill({ billNo: 'T-REV-0', hospital: HOSPITAL, person }));
    const before = await ledger(person);
    const s = await post(windowKey, inpatientBill({ billNo: 'T-REV-1', hospital: HOSPITAL, person, scale: 3 }));
    expect(await ledger(person)).not.toBe(before);
    const rev = await request(svc.app).post(`/v1/settlements/${s.body.id}/reversal`).set('Authorization', `Bearer ${windowKey}`).send({ reason: '患者信息录入错误' });
    expect(rev.status).toBe(200);
    expect(rev.body.status).toBe('reversed');
    expect(rev.body.reversalReason).toBe('患者信息录入错误');
    expect(JSON.parse(await ledger(person))).toEqual(JSON.parse(before));
    const again = await request(svc.app).post(`/v1/settlements/${s.body.id}/reversal`).set('Authorization', `Bearer ${windowKey}`).send({});
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('ALREADY_REVERSED');
    expect(JSON.parse(await ledger(person))).toEqual(JSON.parse(before));
  });

  it('another hospital’s window cannot reverse it (404), nor can an auditor (403)', async () => {
    const s = await post(windowKey, inpatientBill({ billNo: 'T-REV-X', hospital: HOSPITAL, person: 'P-000006' }));
    const other = await request(svc.app).post(`/v1/settlements/${s.body.id}/reversal`).set('Authorization', `Bearer ${otherWindowKey}`).send({});
    expect(other.status).toBe(404);
    const aud = await request(svc.app).post(`/v1/settlements/${s.body.id}/reversal`).set('Authorization', `Bearer ${auditorKey}`).send({});
    expect(aud.status).toBe(403);
    expect((await request(svc.app).get(`/v1/settlements/${s.body.id}`).set('Authorization', `Bearer ${auditorKey}`)).body.status).toBe('settled');
  });
});

describe('reading', () => {
  it('GET /v1/settlements/{id}: own hospital and auditors yes, another hospital’s window 404', async () => {
    const s = await post(windowKey, inpatientBill({ billNo: 'T-READ', hospital: HOSPITAL, person: 'P-000007' }));
    const own = await request(svc.app).get(`/v1/settlements/${s.body.id}`).set('Authorization', `Bearer ${windowKey}`);
    expect(own.status).toBe(200);
    expect(settlementViewSchema.parse(own.body).id).toBe(s.body.id);
    const aud = await request(svc.app).get(`/v1/settlements/${s.body.id}`).set('X-API-Key', auditorKey);
    expect(aud.status).toBe(200);
    const other = await request(svc.app).get(`/v1/settlements/${s.body.id}`).set('Authorization', `Bearer ${otherWindowKey}`);
    expect(other.status).toBe(404);
    expect(JSON.stringify(other.body)).not.toContain('P-000007');
    expect((await request(svc.app).get('/v1/settlements/JS-NOPE').set('Authorization', `Bearer ${auditorKey}`)).status).toBe(404);
  });

  it('GET /v1/settlements filters, pages and masks ID numbers; a window sees only its hospital', async () => {
    const all = await request(svc.app).get('/v1/settlements?pageSize=5&page=1').set('Authorization', `Bearer ${financeKey}`);
    expect(all.status).toBe(200);
    const list = settlementListSchema.parse(all.body);
    expect(list.items.length).toBeLessThanOrEqual(5);
    expect(list.total).toBeGreaterThan(5);
    for (const i of list.items) expect(i.idNumber).toMatch(/\*{8}/);
    const page2 = settlementListSchema.parse((await request(svc.app).get('/v1/settlements?pageSize=5&page=2').set('Authorization', `Bearer ${financeKey}`)).body);
    expect(page2.items.map((i) => i.id)).not.toEqual(expect.arrayContaining(list.items.map((i) => i.id)));
    const byPerson = settlementListSchema.parse((await request(svc.app).get('/v1/settlements?person=P-000005').set('Authorization', `Bearer ${auditorKey}`)).body);
    expect(byPerson.items.every((i) => i.personId === 'P-000005')).toBe(true);
    expect(byPerson.items.map((i) => i.status).sort()).toEqual(['reversed', 'settled']);
    const dated = settlementListSchema.parse((await request(svc.app).get('/v1/settlements?from=2018-11-12&to=2018-11-12').set('Authorization', `Bearer ${auditorKey}`)).body);
    expect(dated.items.every((i) => i.discharged === '2018-11-12')).toBe(true);
    const other = settlementListSchema.parse((await request(svc.app).get('/v1/settlements').set('Authorization', `Bearer ${otherWindowKey}`)).body);
    expect(other.items.every((i) => i.hospitalCode === OTHER)).toBe(true);
    const sneaky = await request(svc.app).get(`/v1/settlements?hospital=${HOSPITAL}`).set('Authorization', `Bearer ${otherWindowKey}`);
    expect(sneaky.status).toBe(403);
    const bad = await request(svc.app).get('/v1/settlements?from=2018-13-45x').set('Authorization', `Bearer ${auditorKey}`);
    expect(bad.status).toBe(422);
    expect(bad.body.error.issues[0].path).toBe('query.from');
    // sort=settled: what was settled last comes first, whatever its discharge date (a window's 最近结算).
    const bySettled = settlementListSchema.parse((await request(svc.app).get('/v1/settlements?sort=settled&pageSize=50').set('Authorization', `Bearer ${auditorKey}`)).body);
    const times = bySettled.items.map((i) => i.createdAt);
    expect(times).toEqual([...times].sort().reverse());
    const byDischarge = settlementListSchema.parse((await request(svc.app).get('/v1/settlements?pageSize=50').set('Authorization', `Bearer ${auditorKey}`)).body);
    expect(byDischarge.items.map((i) => i.discharged)).toEqual(byDischarge.items.map((i) => i.discharged).sort().reverse());
    expect((await request(svc.app).get('/v1/settlements?sort=newest').set('Authorization', `Bearer ${auditorKey}`)).body.error.issues[0].path).toBe('query.sort');
  });

  it('GET /v1/people/{id}/accumulators', async () => {
    const res = await request(svc.app).get('/v1/people/P-000001/accumulators?year=2018').set('Authorization', `Bearer ${auditorKey}`);
    expect(res.status).toBe(200);
    expect(res.body.accumulators).toEqual(JSON.parse(await ledger('P-000001')));
    expect((await request(svc.app).get('/v1/people/P-NOPE/accumulators?year=2018').set('Authorization', `Bearer ${auditorKey}`)).status).toBe(404);
    expect((await request(svc.app).get('/v1/people/P-000001/accumulators').set('Authorization', `Bearer ${auditorKey}`)).status).toBe(422);
  });

  it('GET /v1/rulesets and /v1/rulesets/{id}', async () => {
    const list = await request(svc.app).get('/v1/rulesets').set('Authorization', `Bearer ${windowKey}`);
    expect(list.status).toBe(200);
    expect(list.body.map((r: { id: string }) => r.id).sort()).toEqual(['neimenggu-2016', 'wulanchabu-2019', 'xingan-2018', 'zhuozi-2016']);
    const one = await request(svc.app).get('/v1/rulesets/xingan-2018').set('Authorization', `Bearer ${windowKey}`);
    expect(one.status).toBe(200);
    expect(one.body.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(one.body.document.visits.inpatient).toHaveLength(6);
    // The document as written carries each step's clause, and a field's own (cite) with its source.
    expect(one.body.document.visits.inpatient[2]).toMatchObject({ source: 's003', clause: ['商业补充保险报销55%', '两不限即健康扶贫对象住院医疗费在商业补充保险支付不限定起付线,按55%支付'] });
    expect(one.body.document.visits.inpatient[4].cite.denominator).toMatchObject({ source: 's000', clause: expect.stringContaining('实际报销比例达到了90%以上') });
    expect((await request(svc.app).get('/v1/rulesets/nope').set('Authorization', `Bearer ${windowKey}`)).status).toBe(404);
  });

  it('GET /v1/whoami names the key’s role and hospital', async () => {
    const w = await request(svc.app).get('/v1/whoami').set('Authorization', `Bearer ${windowKey}`);
    expect(w.body).toMatchObject({ role: 'window', hospital: { code: HOSPITAL, name: '兴安盟人民医院' } });
    const a = await request(svc.app).get('/v1/whoami').set('Authorization', `Bearer ${auditorKey}`);
    expect(a.body).toMatchObject({ role: 'auditor', hospital: null });
  });

  it('GET /healthz needs no key; /openapi.json is OpenAPI 3.1 from the zod schemas', async () => {
    const h = await request(svc.app).get('/healthz');
    expect(h.status).toBe(200);
    expect(h.body).toMatchObject({ ok: true, store: 'sqlite' });
    const doc = await request(svc.app).get('/openapi.json');
    expect(doc.body.openapi).toBe('3.1.0');
    const postOp = doc.body.paths['/v1/settlements'].post;
    const deref = (s: { $ref?: string }) => (s.$ref ? doc.body.components.schemas[s.$ref.replace('#/components/schemas/', '')] : s);
    const billSchema = deref(postOp.requestBody.content['application/json'].schema);
    expect(billSchema.properties.items.items.properties.class.enum).toEqual(['A', 'B', 'C']);
    const settlement = deref(postOp.responses['201'].content['application/json'].schema);
    expect(deref(settlement.properties.result).properties.patientPays).toBeDefined();
  });
});

describe('errors a window can act on, and nothing written', () => {
  const bad = async (key: string, body: unknown, raw = false) => {
    const before = await counts();
    const req = request(svc.app).post('/v1/settlements').set('Authorization', `Bearer ${key}`);
    const res = raw ? await req.set('Content-Type', 'application/json').send(body as string) : await req.send(body as object);
    expect(await counts()).toEqual(before);
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.(js|ts):\d+/);
    return res;
  };

  it('bad JSON is 400', async () => {
    const res = await bad(windowKey, '{"billNo": ', true);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INVALID_JSON');
  });

  it('a key written twice is 400 naming the key and its path, whichever value comes last', async () => {
    const text = JSON.stringify(inpatientBill({ billNo: 'T-DUP-1', hospital: HOSPITAL, person: POOR })).replace('"class":"C"', '"class":"C","class":"A"');
    expect(text).toContain('"class":"C","class":"A"');
    const res = await bad(windowKey, text, true);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('DUPLICATE_KEY');
    expect(res.body.error.message).toContain('class');
    expect(res.body.error.issues[0].path).toMatch(/^items\[\d+\]\.class$/);
  });

  it('a number is read from its text: 99999999999.999999 is refused as it is written, never rounded through a float', async () => {
    const bill = inpatientBill({ billNo: 'T-EXACT-1', hospital: HOSPITAL, person: POOR });
    const text = JSON.stringify(bill).replace(`"unitPrice":"${bill.items[0]!.unitPrice}"`, '"unitPrice":99999999999.999999');
    expect(text).toContain('"unitPrice":99999999999.999999');
    const res = await bad(windowKey, text, true);
    expect(res.status).toBe(422);
    const issue = res.body.error.issues.find((i: { path: string }) => i.path === 'items[0].unitPrice');
    expect(issue.message).toContain('99999999999.999999');
    // the same amount with cents a float would also round is kept: 0.1 + 0.2 style digits pass through exactly
    const fine = inpatientBill({ billNo: 'T-EXACT-2', hospital: HOSPITAL, person: POOR });
    const q = JSON.stringify(fine).replace(`"unitPrice":"${fine.items[0]!.unitPrice}"`, '"unitPrice":0.3').replace(`"amount":"${fine.items[0]!.amount}"`, `"amount":${(Number(fine.items[0]!.quantity) * 0.3).toFixed(2)}`);
    const preview = await request(svc.app).post('/v1/settlements/preview').set('Authorization', `Bearer ${windowKey}`).set('Content-Type', 'application/json').send(q);
    expect(preview.status, JSON.stringify(preview.body)).toBe(200);
  });

  it('a wrong field is 422 with its path and a message in Chinese', async () => {
    const bill = inpatientBill({ billNo: 'T-BAD-1', hospital: HOSPITAL, person: POOR });
    bill.items[2]!.amount = '1.00';
    const res = await bad(windowKey, bill);
    expect(res.status).toBe(422);
    expect(res.body.error.issues[0].path).toBe('items[2].amount');
    expect(res.body.error.message).toContain('单价 × 数量');
    const noClass = inpatientBill({ billNo: 'T-BAD-2', hospital: HOSPITAL, person: POOR }) as { items: Record<string, unknown>[] };
    noClass.items[0]!.class = 'D';
    expect((await bad(windowKey, noClass)).body.error.issues[0].path).toBe('items[0].class');
    const negative = inpatientBill({ billNo: 'T-BAD-3', hospital: HOSPITAL, person: POOR });
    negative.items[0]!.unitPrice = '-40.00';
    expect((await bad(windowKey, negative)).body.error.issues.map((i: { path: string }) => i.path)).toContain('items[0].unitPrice');
  });

  it('unknown hospital, unknown person, a date no ruleset covers, a visit type the policy lacks: 422', async () => {
    const unknownPerson = await bad(windowKey, inpatientBill({ billNo: 'T-BAD-4', hospital: HOSPITAL, person: 'P-999999' }));
    expect([unknownPerson.status, unknownPerson.body.error.code]).toEqual([422, 'UNKNOWN_PERSON']);
    const admin = await svc.key('admin');
    const unknownHospital = await bad(admin, inpatientBill({ billNo: 'T-BAD-5', hospital: 'H-NOPE', person: POOR }));
    expect([unknownHospital.status, unknownHospital.body.error.code]).toEqual([422, 'UNKNOWN_HOSPITAL']);
    const future = await bad(windowKey, { ...inpatientBill({ billNo: 'T-BAD-6', hospital: HOSPITAL, person: POOR }), visit: { type: 'inpatient', admitted: '2031-01-01', discharged: '2031-01-05' } });
    expect([future.status, future.body.error.code]).toEqual([422, 'DATE_NOT_COVERED']);
    const visit = await bad(windowKey, { ...inpatientBill({ billNo: 'T-BAD-7', hospital: HOSPITAL, person: POOR }), visit: { type: 'dental', admitted: '2018-03-01', discharged: '2018-03-01' } });
    expect([visit.status, visit.body.error.code]).toEqual([422, 'VISIT_TYPE_NOT_COVERED']);
    const tier = await bad(windowKey, { ...inpatientBill({ billNo: 'T-BAD-8', hospital: HOSPITAL, person: POOR }), hospital: { code: HOSPITAL, tier: 'county' } });
    expect([tier.status, tier.body.error.code]).toEqual([422, 'HOSPITAL_TIER_MISMATCH']);
  });

  it('keys: none 401, revoked 401, another hospital 403, auditor and finance cannot post (403)', async () => {
    const none = await request(svc.app).post('/v1/settlements').send(inpatientBill({ billNo: 'T-AUTH-1', hospital: HOSPITAL, person: POOR }));
    expect(none.status).toBe(401);
    const k = await createKey(svc.store, { role: 'window', hospitalCode: HOSPITAL });
    await revokeKey(svc.store, k.id);
    expect((await bad(k.secret, inpatientBill({ billNo: 'T-AUTH-2', hospital: HOSPITAL, person: POOR }))).status).toBe(401);
    expect((await bad(otherWindowKey, inpatientBill({ billNo: 'T-AUTH-3', hospital: HOSPITAL, person: POOR }))).status).toBe(403);
    expect((await bad(auditorKey, inpatientBill({ billNo: 'T-AUTH-4', hospital: HOSPITAL, person: POOR }))).status).toBe(403);
    expect((await bad(financeKey, inpatientBill({ billNo: 'T-AUTH-5', hospital: HOSPITAL, person: POOR }))).status).toBe(403);
  });

  it('a body over 1 MB is 413', async () => {
    const huge = inpatientBill({ billNo: 'T-BIG', hospital: HOSPITAL, person: POOR }) as Record<string, unknown>;
    huge.diagnosis = 'x'.repeat(1_100_000);
    const res = await bad(windowKey, huge);
    expect(res.status).toBe(413);
  });
});
