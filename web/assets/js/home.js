// The site root: send a logged-in user to the page of their role, anyone else to the login page.
import { getKey } from './api.js';
import { $, h, pageReady, pagesFor, startPage } from './ui.js';

if (!getKey()) {
  location.replace('/login');
} else {
  const started = await startPage('home');
  if (started) {
    pageReady();
    const pages = pagesFor(started.who);
    if (pages.length === 1) location.replace(pages[0].path);
    else {
      $('#home-msg').textContent = '请选择要使用的页面：';
      $('#home-links').replaceChildren(...pages.map((p) => h('a', { class: 'button', href: p.path, text: p.name })));
    }
  }
}
