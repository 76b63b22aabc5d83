/**
 * What every page must hold at the widths it is used at (1024 px, a window clerk's small screen, and
 * 1440 px): the page does not scroll sideways, no field or cell cuts its value off, and nothing a user
 * reads is in English. Each check answers a list of problems, empty when the page is right, so that a
 * failure names every element at once.
 */
import type { Page } from 'playwright-core';

// The functions handed to page.evaluate run in the page. This project's TypeScript has no DOM library,
// so the page's globals are named here, loosely typed.
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any;
declare const getComputedStyle: any;
declare const NodeFilter: any;
declare const HTMLSelectElement: any;

/** The widths every page is checked and pictured at. */
export const WIDTHS = [1024, 1440] as const;

/**
 * (a) The page itself does not scroll sideways (a table wrapper that scrolls inside the page is fine).
 * (b) No input, select, button, table cell, label or amount (VALUE_FIELDS) is narrower than what it holds: its scrollWidth
 * is at most its clientWidth + 1. A select clips its text inside its own box, where scrollWidth does not
 * see it, so its chosen option's text is measured in its font instead. An element that cuts its text
 * off on purpose with `text-overflow: ellipsis` passes only when its title attribute has the full text
 * (no page does so today). Elements not shown (display none, hidden, `.sr-only`) are skipped.
 */
export async function layoutProblems(page: Page): Promise<string[]> {
  return page.evaluate((VALUE_FIELDS) => {
    const out: string[] = [];
    const root = document.scrollingElement!;
    if (root.scrollWidth > root.clientWidth) out.push(`the page scrolls sideways: ${root.scrollWidth} > ${root.clientWidth} px`);
    const name = (el: any) => {
      const text = (el.value ?? '') || (el.textContent ?? '');
      return `<${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className && typeof el.className === 'string' ? `.${el.className.trim().split(/\s+/).join('.')}` : ''}> “${text.trim().slice(0, 40)}”`;
    };
    for (const el of document.querySelectorAll(VALUE_FIELDS) as any[]) {
      if (!el.checkVisibility({ visibilityProperty: true, opacityProperty: false }) || el.closest('.sr-only')) continue;
      if (el.matches('input[type=radio], input[type=checkbox], input[type=file], input[type=hidden], input[type=range], input[type=color]')) continue;
      const cs = getComputedStyle(el);
      let need = el.scrollWidth;
      const have = el.clientWidth;
      let box = have;
      if (el instanceof HTMLSelectElement) {
        // The width the browser gives the same select holding only its chosen option, at its natural size.
        const probe = el.cloneNode(false);
        const chosen = el.selectedOptions[0];
        if (chosen) probe.append(chosen.cloneNode(true));
        probe.removeAttribute('id');
        probe.style.cssText = 'position:absolute; visibility:hidden; width:auto; min-width:0; max-width:none';
        el.after(probe);
        need = probe.offsetWidth;
        probe.remove();
        box = el.offsetWidth;
      }
      if (need <= box + 1) continue;
      if (cs.textOverflow === 'ellipsis' && el.title && el.title.includes((el.textContent ?? '').trim())) continue;
      out.push(`${name(el)} holds ${need} px in ${box} px`);
    }
    return out;
  }, VALUE_FIELDS);
}

/**
 * What holds a value a user reads: form fields and buttons, table cells, and the classes the pages put
 * on a label or an amount (.label, .value, .amount, .wf-amount, a .pill, a .stat box).
 */
const VALUE_FIELDS = 'input, select, button, th, td, .label, .value, .amount, .wf-amount, .pill, .stat';

/**
 * Latin-letter words a user may see, each for a reason: everything else of two or more Latin letters
 * on a page is English that should be Chinese. Words are runs of letters and digits joined by - _ . /
 * (so “H152200-L01” is one word).
 */
export const ALLOWED: { why: string; word: RegExp }[] = [
  // Names of file formats, units and standards printed on buttons and in hints, as people call them.
  { why: 'format, unit or standard', word: /^(CSV|JSON|HTML|PNG|PDF|UTF-8|API|ID|KB|MB|HIS|ICD-10)$/ },
  // Codes: a bill number, settlement or adjustment number, hospital, item or diagnosis (ICD-10) code —
  // capitals and digits, at least one digit (XA18-000018, JS2026…D6B979, H152200-L01, MY005, I10.x00).
  { why: 'code', word: /^(?=[^a-z]*\d)[A-Z0-9]+(?:[-_.][A-Za-z0-9]+)*$/ },
  // A ruleset version: the first digits of its SHA-256 (hex).
  { why: 'version hash', word: /^(?=.*\d)[0-9a-f]{8,64}$/ },
  // Units in a drug's name, as the hospital's list writes them: 注射用奥美拉唑钠（40mg）.
  { why: 'unit in a drug name', word: /^\d+(\.\d+)?(mg|ml|mL|kg|g|U|IU)$/ },
  // The start of a key, on the login page, so that a user knows which text is the key: os_window_….
  { why: 'key prefix', word: /^os_[a-z]+_?$/ },
  // A path into a rules file (visits.inpatient.floor.floor), typed by the finance officer as the rules file spells it.
  { why: 'rules path', word: /^[a-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)+$/ },
];
/**
 * Taken out of the text before it is cut into words: a format's name of two words, and file names — the
 * file a rules document or a cited source is kept in (rules/152200-xingan/2018.yaml), or the user's own
 * file (人员.csv) — names to look up, not text.
 */
const NOT_WORDS = [/JSON Lines/g, /[^\s，。：；、（）()]*\.(yaml|txt|pdf|csv|json|jsonl|html|png|md)(?![A-Za-z])/g];

/**
 * (c) The words in Latin letters a user reads on the page that are not allowed: the visible text (not
 * inside <code> or <kbd>, which show what is typed or pressed exactly: a file's header row, a rules path,
 * a key), every option of a visible select or datalist, and the placeholder, title and aria-label of
 * visible elements; and a visible file input, whose button and words are the browser's (“Choose File”).
 * The content of frames (the server's slip and model report) is not the page's own.
 */
export async function englishProblems(page: Page): Promise<string[]> {
  const texts = await page.evaluate(() => {
    const out: { where: string; text: string }[] = [];
    const shown = (el: any) => !!el && el.checkVisibility({ visibilityProperty: true });
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const parent = n.parentElement;
      if (!parent || parent.closest('code, kbd, script, style, template, select, datalist, option, textarea')) continue;
      if (!parent.closest('.sr-only') && !shown(parent)) continue;
      if (n.textContent?.trim()) out.push({ where: parent.tagName.toLowerCase(), text: n.textContent });
    }
    for (const el of document.querySelectorAll('[placeholder], [title], [aria-label]') as any[]) {
      if (!shown(el)) continue;
      for (const a of ['placeholder', 'title', 'aria-label']) {
        const v = el.getAttribute(a);
        if (v) out.push({ where: `${el.tagName.toLowerCase()}[${a}]`, text: v });
      }
    }
    for (const select of document.querySelectorAll('select') as any[]) {
      if (shown(select)) for (const o of select.options as any[]) out.push({ where: `select#${select.id || '?'} option`, text: o.text });
    }
    // A bare file input shows the browser's own button and words, in the browser's language, not the page's.
    for (const input of document.querySelectorAll('input[type=file]') as any[]) {
      if (shown(input)) out.push({ where: `input#${input.id || '?'}[type=file]`, text: 'Choose File' });
    }
    for (const input of document.querySelectorAll('input[list]') as any[]) {
      if (!shown(input)) continue;
      for (const o of (input.list?.querySelectorAll('option') ?? []) as any[]) out.push({ where: 'datalist option', text: `${o.value} ${o.label}` });
    }
    return out;
  });
  const problems = new Set<string>();
  for (const { where, text } of texts) {
    let t = text;
    for (const p of NOT_WORDS) t = t.replace(p, ' ');
    for (const word of t.match(/[A-Za-z0-9]+(?:[-_./][A-Za-z0-9]+)*/g) ?? []) {
      if (!/[A-Za-z]{2,}/.test(word)) continue;
      if (ALLOWED.some((a) => a.word.test(word))) continue;
      problems.add(`${where}: “${word}” in “${text.trim().slice(0, 80)}”`);
    }
  }
  return [...problems];
}

/** All three checks at once, labelled with the page and width, for one expect. */
export async function pageProblems(page: Page, label: string): Promise<string[]> {
  return [...(await layoutProblems(page)), ...(await englishProblems(page))].map((p) => `${label}: ${p}`);
}
