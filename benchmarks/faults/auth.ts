/**
 * Fault: auth. Requests with no key, malformed keys, a revoked key, another hospital's window key and
 * roles that may not write, against every route that reads or moves money, with a settlement of
 * H152200-L01 as the target. Expect: every one refused (401, 403, or 404 where saying "forbidden" would
 * tell that the settlement exists); error bodies that name nothing of the target (person, ID number,
 * name, amounts, bill number) and carry no stack or database detail; a refusal for another hospital's
 * settlement that reads exactly like the one for a settlement that does not exist; a revoked key
 * refused exactly like a made-up one; nothing written. Then a flood of made-up keys from one address,
 * with the default rate limits on: refused with 401 and then 429 (Retry-After, in Chinese), and a good
 * key from that address works again once the advertised wait is over.
 *
 *   npm run fault:auth -- [--rounds 20] [--store sqlite|postgres|both]
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { HOSPITAL, OTHER_HOSPITAL, freshDatabase, get, inpatientBill, intArg, post, prepare, report, runScript, send, sleep, snapshot, startApi, storesArg, tally, type Answer, type StoreKind } from './harness.js';

const LEAK = /\bat [^\n]*\.(js|ts|mjs):\d+|node_modules|SQLITE_|sqlite3?|postgres|syntax error|relation "|key_hash|os_(window|auditor|admin|finance)_/i;

export async function auth(kind: StoreKind, rounds: number): Promise<{ violations: string[]; figures: Record<string, unknown> }> {
  const db = await freshDatabase(kind);
  const keys = await prepare(db);
  const api = await startApi(db, { ONESTOP_RATE_LIMIT: 'off' });
  const person = 'P-000011';
  const created = await post(api, keys.window, inpatientBill({ billNo: 'AUTH-TARGET', person }));
  if (created.status !== 201) throw new Error(`could not create the target settlement: ${created.status} ${created.text}`);
  const target = created.json as { id: string; person: { name: string; idNumber: string }; result: { total: string; patientPays: string } };
  const secrets = [person, target.person.name, target.person.idNumber, target.person.idNumber.slice(-4), 'AUTH-TARGET', target.result.total, target.result.patientPays];
  const before = await snapshot(db);

  const violations: string[] = [];
  const answers: Answer[] = [];
  let ownListReads = 0;
  const byCase: Record<string, Record<string, number>> = {};
  const check = (what: string, a: Answer, allowed: number[]) => {
    answers.push(a);
    const t = (byCase[what] ??= {});
    t[String(a.status)] = (t[String(a.status)] ?? 0) + 1;
    if (!allowed.includes(a.status)) violations.push(`${what}: ${a.status} (expected ${allowed.join(' or ')}) ${a.text.slice(0, 160)}`);
    if (LEAK.test(a.text)) violations.push(`${what}: the error body leaks detail: ${a.text.slice(0, 160)}`);
    for (const s of secrets) if (a.text.includes(s)) violations.push(`${what}: the error body names "${s}" of the target settlement`);
  };
  const bill = () => inpatientBill({ billNo: `AUTH-${randomBytes(4).toString('hex')}`, person, hospital: HOSPITAL });
  const routes = (key: Record<string, string>) => [
    () => send('POST', `${api.base}/v1/settlements`, { headers: key, body: bill() }),
    () => send('POST', `${api.base}/v1/settlements/preview`, { headers: key, body: bill() }),
    () => send('GET', `${api.base}/v1/settlements`, { headers: key }),
    () => send('GET', `${api.base}/v1/settlements/${target.id}`, { headers: key }),
    () => send('POST', `${api.base}/v1/settlements/${target.id}/reversal`, { headers: key, body: { reason: '越权撤销' } }),
    () => send('GET', `${api.base}/v1/people/${person}/accumulators?year=2018`, { headers: key }),
  ];

  const bearer = (k: string) => ({ authorization: `Bearer ${k}` });
  const noKeys: [string, Record<string, string>][] = [
    ['no key', {}],
    ['empty bearer', { authorization: 'Bearer ' }],
    ['basic auth', { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` }],
    ['key in another scheme', { authorization: `Token ${keys.window}` }],
    ['empty X-API-Key', { 'x-api-key': '' }],
  ];
  for (let r = 0; r < rounds; r++) {
    for (const [what, h] of noKeys) for (const call of routes(h)) check(what, await call(), [401]);
    // The key in the query string is not a key.
    check('key in the query string', await send('GET', `${api.base}/v1/settlements?key=${keys.window}`), [401]);
    for (const call of routes(bearer(keys.revoked))) check('revoked key', await call(), [401]);
    for (const call of routes({ 'x-api-key': keys.revoked })) check('revoked key (X-API-Key)', await call(), [401]);
    for (const call of routes(bearer(`os_window_${randomBytes(24).toString('base64url')}`))) check('made-up key', await call(), [401]);
    for (const call of routes(bearer(`${keys.window.slice(0, -1)}${keys.window.endsWith('A') ? 'B' : 'A'}`))) check('key off by one character', await call(), [401]);

    // Another hospital's window.
    const other = bearer(keys.otherWindow);
    check('other hospital: post its bill', await send('POST', `${api.base}/v1/settlements`, { headers: other, body: bill() }), [403]);
    check('other hospital: preview its bill', await send('POST', `${api.base}/v1/settlements/preview`, { headers: other, body: bill() }), [403]);
    check('other hospital: read the settlement', await get(api, keys.otherWindow, `/v1/settlements/${target.id}`), [404]);
    check('other hospital: reverse the settlement', await send('POST', `${api.base}/v1/settlements/${target.id}/reversal`, { headers: other, body: {} }), [404]);
    check('other hospital: list with its hospital filter', await get(api, keys.otherWindow, `/v1/settlements?hospital=${HOSPITAL}`), [403]);
    const list = await get(api, keys.otherWindow, '/v1/settlements');
    ownListReads++;
    const items = (list.json as { items?: { hospitalCode: string }[] } | undefined)?.items ?? [];
    if (list.status !== 200 || items.some((i) => i.hospitalCode !== OTHER_HOSPITAL)) violations.push(`other hospital: its own list shows another hospital's settlements (${list.status})`);
    // Roles that may read but not write.
    check('auditor: post', await send('POST', `${api.base}/v1/settlements`, { headers: bearer(keys.auditor), body: bill() }), [403]);
    check('auditor: reverse', await send('POST', `${api.base}/v1/settlements/${target.id}/reversal`, { headers: bearer(keys.auditor), body: {} }), [403]);
  }

  // Indistinguishable refusals: another hospital's settlement reads like one that does not exist, and a
  // revoked key like a made-up one.
  const ghost = 'JS20181112AAAAAAAAAA';
  const theirs = await get(api, keys.otherWindow, `/v1/settlements/${target.id}`);
  const none = await get(api, keys.otherWindow, `/v1/settlements/${ghost}`);
  if (theirs.text.replaceAll(target.id, 'ID') !== none.text.replaceAll(ghost, 'ID')) violations.push(`another hospital's settlement is refused differently from a missing one: ${theirs.text} vs ${none.text}`);
  const revoked = await get(api, keys.revoked, '/v1/settlements');
  const madeUp = await get(api, `os_window_${randomBytes(24).toString('base64url')}`, '/v1/settlements');
  if (revoked.text !== madeUp.text || revoked.status !== madeUp.status) violations.push(`a revoked key is refused differently from a made-up one: ${revoked.text} vs ${madeUp.text}`);

  const after = await snapshot(db);
  for (const k of Object.keys(before) as (keyof typeof before)[]) if (before[k] !== after[k]) violations.push(`something was written: ${k} ${before[k]} → ${after[k]}`);
  const still = await get(api, keys.auditor, `/v1/settlements/${target.id}`);
  if ((still.json as { status?: string }).status !== 'settled') violations.push('the target settlement was changed');
  await api.stop();

  // A flood of made-up keys from one address, with the default limits.
  const limited = await startApi(db, { ONESTOP_RATE_LIMIT: '' });
  const flood: Answer[] = [];
  for (let i = 0; i < 600; i++) flood.push(await get(limited, `os_window_${randomBytes(24).toString('base64url')}`, '/v1/settlements'));
  const floodTally = tally(flood);
  if (flood.some((a) => a.status !== 401 && a.status !== 429)) violations.push(`made-up key flood: answers other than 401/429: ${JSON.stringify(floodTally)}`);
  const first429 = flood.find((a) => a.status === 429);
  if (!first429) violations.push('made-up key flood: never limited (no 429 in 600 bad keys)');
  else {
    const msg = (first429.json as { error?: { code?: string; message?: string } }).error;
    if (msg?.code !== 'RATE_LIMITED' || !/请求过于频繁/.test(msg.message ?? '')) violations.push(`429 body is not the Chinese RATE_LIMITED error: ${first429.text}`);
    const retryAfter = Number(first429.headers['retry-after']);
    if (!(retryAfter >= 1)) violations.push(`429 without a usable Retry-After: ${String(first429.headers['retry-after'])}`);
    // Whoever is at that address waits as told, then a good key works again.
    const last = flood[flood.length - 1]!;
    await sleep((Number(last.headers['retry-after'] ?? retryAfter) + 1) * 1000);
    const good = await get(limited, keys.auditor, '/v1/settlements');
    if (good.status !== 200) violations.push(`a good key after waiting Retry-After still answered ${good.status}`);
  }
  await limited.stop();

  const figures = {
    store: kind,
    'requests sent (refusal phase)': answers.length,
    'answers (refusal phase)': tally(answers),
    "other hospital's own list (200, only its own settlements)": ownListReads,
    'made-up key flood with default limits': `${flood.length} requests → ${JSON.stringify(floodTally)}`,
    'settlements / audit entries before → after': `${before.settlements} / ${before.audit} → ${after.settlements} / ${after.audit}`,
    violations: violations.length,
    ...Object.fromEntries(Object.entries(byCase).map(([k, v]) => [`  ${k}`, v])),
  };
  return { violations, figures };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runScript('fault:auth', 600, async (args) => {
    const rounds = intArg(args, 'rounds', 20, 500);
    let total = 0;
    for (const kind of storesArg(args)) {
      const r = await auth(kind, rounds);
      report(`auth on ${kind}`, r.figures);
      for (const v of r.violations.slice(0, 50)) process.stdout.write(`  VIOLATION: ${v}\n`);
      total += r.violations.length;
    }
    return { violations: total };
  });
}
