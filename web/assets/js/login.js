// The login page: check the key against the API (GET /v1/rulesets), learn its role, keep it in this
// tab's sessionStorage, and go on to the page asked for or the role's own page.
import { clearSession, detectRole, get, setSession } from './api.js';
import { $, banner, busy, clearErrors, fieldError, pagesFor, showApiError } from './ui.js';

const form = $('#login');
const input = $('#key');
const summary = $('#login-summary');
const params = new URLSearchParams(location.search);

if (params.get('expired')) banner('warn', '密钥已失效或被停用，请重新登录。');
if (params.get('bye')) banner('ok', '已退出。');

$('#show').addEventListener('click', (e) => {
  const shown = input.type === 'text';
  input.type = shown ? 'password' : 'text';
  e.currentTarget.textContent = shown ? '显示' : '隐藏';
  e.currentTarget.setAttribute('aria-pressed', String(!shown));
});

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  clearErrors(form);
  summary.hidden = true;
  const key = input.value.trim();
  if (!key) {
    fieldError(input, '请输入 API 密钥');
    input.focus();
    return;
  }
  await busy($('#login-btn'), '正在验证…', async () => {
    const check = await get('/v1/rulesets', { key });
    if (!check.ok) {
      if (check.status === 401) fieldError(input, '密钥无效或已停用，请核对后重新输入');
      else showApiError(summary, check.error);
      input.focus();
      input.select();
      return;
    }
    const who = await detectRole(key);
    if (!who.role) {
      showApiError(summary, who.error ?? { message: '无法确认密钥的角色，请稍后重试' });
      return;
    }
    clearSession();
    setSession(key, who);
    const pages = pagesFor(who);
    const next = params.get('next');
    const target = pages.find((p) => p.path === next) ?? pages[0];
    location.assign(target ? target.path : '/');
  });
});
