#!/usr/bin/env node
// Render a settlement slip (结算单) to a PNG with headless Chromium, from the store named by ONESTOP_DB.
//
//   npm run build
//   ONESTOP_DB=data/onestop.db node scripts/render-slip.mjs [--id JS…] [--out docs/slip.png] [--pdf slip.pdf]
//
// Without --id it takes the first settled five-layer settlement (every step paid) by bill number.
// Chromium: $ONESTOP_CHROMIUM, else /usr/bin/chromium (Debian's package; see scripts/test-env.d/chromium.sh).
// The test test/audit/slip-png.test.ts renders docs/slip.png the same way from the seeded demo year.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { id: { type: 'string' }, out: { type: 'string', default: 'docs/slip.png' }, pdf: { type: 'string' } } });
const root = resolve(import.meta.dirname, '..');
if (!existsSync(resolve(root, 'dist/audit/slip.js'))) {
  console.error('render-slip: dist/ is missing or out of date; run `npm run build` first');
  process.exit(2);
}
const executablePath = process.env.ONESTOP_CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(executablePath)) {
  console.error(`render-slip: Chromium not found at ${executablePath} (set ONESTOP_CHROMIUM)`);
  process.exit(2);
}
const dbUrl = process.env.ONESTOP_DB ?? resolve('data', 'onestop.db');
if (!/^postgres(ql)?:\/\//.test(dbUrl) && !existsSync(dbUrl)) {
  console.error(`render-slip: no database at ${dbUrl} (set ONESTOP_DB; \`npm start\` once creates and seeds data/onestop.db)`);
  process.exit(2);
}

const { openStore } = await import('../dist/store/db.js');
const { loadSlipInput } = await import('../dist/explain/slip-data.js');
const { renderSlip } = await import('../dist/explain/slip.js');
const { chromium } = await import('playwright-core');

const store = await openStore(dbUrl);
let browser;
try {
  let id = values.id;
  if (!id) {
    const rows = await store.db.selectFrom('settlements').select(['id', 'result_json']).where('status', '=', 'settled').where('visit_type', '=', 'inpatient').orderBy('bill_no').execute();
    id = rows.find((r) => JSON.parse(r.result_json).steps.length >= 5 && JSON.parse(r.result_json).steps.every((s) => Number(s.payout) > 0))?.id ?? rows[0]?.id;
    if (!id) throw new Error('no settlement in the store');
  }
  const html = renderSlip(await loadSlipInput(store.db, id));
  browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 794, height: 1123 }, deviceScaleFactor: 1.5 });
  await page.emulateMedia({ media: 'print' });
  await page.setContent(html, { waitUntil: 'load' });
  const out = resolve(values.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, await page.screenshot({ fullPage: true, type: 'png' }));
  if (values.pdf) writeFileSync(resolve(values.pdf), await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true }));
  console.log(`render-slip: ${id} → ${out}${values.pdf ? ` and ${resolve(values.pdf)}` : ''}`);
} finally {
  await browser?.close();
  await store.close();
}
