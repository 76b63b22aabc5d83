// Talking to the API with the logged-in key. The key lives in sessionStorage (this tab only, gone when
// the tab closes) and goes in the Authorization header, never in a URL.
//
// call() never throws for an HTTP or network failure: it answers { ok, status, data, error }, where
// error is the API's { code, message, issues? } or one made here (NETWORK, MISSING_ENDPOINT), so every
// page can keep what the user typed and say what went wrong.

const KEY = 'onestop.key';
const WHO = 'onestop.who';

export function getKey() {
  return sessionStorage.getItem(KEY);
}
export function setSession(key, who) {
  sessionStorage.setItem(KEY, key);
  sessionStorage.setItem(WHO, JSON.stringify(who));
}
export function getWho() {
  try {
    return JSON.parse(sessionStorage.getItem(WHO) ?? 'null');
  } catch {
    return null;
  }
}
export function clearSession() {
  sessionStorage.removeItem(KEY);
  sessionStorage.removeItem(WHO);
}

/** Listeners told when the key stops working (401), so the page can say so without losing the form. */
const unauthorized = new Set();
export function onUnauthorized(fn) {
  unauthorized.add(fn);
}

/** The catch-all 404 of /v1: the endpoint itself does not exist (yet) on this server. */
export function isMissingEndpoint(r) {
  return r.status === 404 && (r.error?.message === '没有这个接口' || r.error?.message === '没有这个地址' || r.error?.code === 'MISSING_ENDPOINT');
}

/**
 * One request. `as`: 'json' (default), 'text' or 'blob' for a successful body.
 * `key` overrides the session key (the login page checks a key before keeping it).
 */
export async function call(method, path, { body, as = 'json', key, accept } = {}) {
  const secret = key ?? getKey();
  const headers = {};
  if (secret) headers.Authorization = `Bearer ${secret}`;
  if (accept) headers.Accept = accept;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store', credentials: 'omit' });
  } catch {
    return {
      ok: false,
      status: 0,
      error: { code: 'NETWORK', message: '无法连接服务器：请检查网络或服务器是否在运行。已填写的内容都保留在页面上，恢复后可直接重试。' },
    };
  }
  const type = res.headers.get('content-type') ?? '';
  if (res.ok) {
    let data;
    if (as === 'blob') data = await res.blob();
    else if (as === 'text') data = await res.text();
    else data = type.includes('json') ? await res.json() : await res.text();
    return { ok: true, status: res.status, data, headers: res.headers };
  }
  let error;
  try {
    error = type.includes('json') ? (await res.json()).error : undefined;
  } catch {
    error = undefined;
  }
  error ??= { code: `HTTP_${res.status}`, message: `服务器返回 ${res.status}` };
  if (res.status === 429) {
    const wait = res.headers.get('retry-after');
    error = { ...error, message: `${error.message || '请求过于频繁'}${wait ? `（请 ${wait} 秒后重试）` : ''}`, retryAfter: Number(wait) || 1 };
  }
  const out = { ok: false, status: res.status, error, headers: res.headers };
  if (res.status === 401 && !key) for (const fn of unauthorized) fn(out);
  return out;
}

export const get = (path, opts) => call('GET', path, opts);
export const post = (path, body, opts) => call('POST', path, { ...opts, body });

/** A query string from the non-empty values of an object. */
export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}

/**
 * Who a key belongs to: { role, hospitalCode, hospitalName, sure }, from GET /v1/whoami. A server
 * without that endpoint (older than the pages) is asked the role-specific endpoints with a request each refuses by role (403) before it would
 * do anything: a deliberately empty body that the allowed roles answer with a validation error.
 */
export async function detectRole(key) {
  const who = await get('/v1/whoami', { key });
  if (who.ok && who.data?.role) {
    const d = who.data;
    return { role: d.role, hospitalCode: d.hospital?.code ?? d.hospitalCode ?? null, hospitalName: d.hospital?.name ?? null, keyId: d.keyId ?? null, sure: true };
  }
  if (who.status === 401 || who.status === 0) return { error: who.error, status: who.status };

  const allowed = (r) => (r.status === 400 || r.status === 422 || r.ok ? true : r.status === 403 ? false : null);
  const window = allowed(await post('/v1/settlements/preview', {}, { key }));
  if (window) {
    // A window key may list only its own hospital; admin may list any.
    const probe = await get('/v1/settlements?hospital=__onestop_probe__&pageSize=1', { key });
    if (probe.ok) return { role: 'admin', hospitalCode: null, sure: true };
    const own = await get('/v1/settlements?pageSize=1', { key });
    const fromList = own.ok ? own.data?.items?.[0]?.hospitalCode : undefined;
    const fromMessage = /医院\s*(\S+?)\s*的结算/.exec(probe.error?.message ?? '')?.[1];
    return { role: 'window', hospitalCode: fromList ?? fromMessage ?? null, sure: true };
  }
  const auditor = allowed(await post('/v1/audits', { from: '—' }, { key }));
  const finance = allowed(await post('/v1/models', {}, { key }));
  if (auditor === true) return { role: 'auditor', hospitalCode: null, sure: true };
  if (finance === true) return { role: 'finance', hospitalCode: null, sure: true };
  if (auditor === false && finance === null) return { role: 'finance', hospitalCode: null, sure: false };
  if (finance === false && auditor === null) return { role: 'auditor', hospitalCode: null, sure: false };
  // Neither endpoint exists yet: the key's own prefix (os_<role>_…) is the last hint.
  const prefix = /^os_(auditor|finance)_/.exec(key)?.[1];
  return { role: prefix ?? 'reader', hospitalCode: null, sure: false };
}
