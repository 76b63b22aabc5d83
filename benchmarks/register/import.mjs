// npm run bench:register-import [PEOPLE]: a people file of PEOPLE (default 100,000) people, one row per
// membership (every tenth person has two: poverty to 2018-06-30, resident after), imported through
// `onestop register import` (the whole CLI process: boot, read, check, plan, one write) into a fresh
// SQLite file; then the same file again (nothing changes). Prints what each took.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const PEOPLE = Number(process.argv[2] ?? 100_000);
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const check = (s17) => '10X98765432'[[...s17].reduce((a, c, i) => a + Number(c) * WEIGHTS[i], 0) % 11];

const dir = mkdtempSync(join(tmpdir(), 'onestop-register-import-'));
const file = join(dir, 'people.csv');
const rows = ['id,name,idNumber,county,insuredRegion,population,from,to'];
for (let i = 0; i < PEOPLE; i++) {
  const birth = new Date(Date.UTC(1940, 0, 1) + (i % 20000) * 86400000).toISOString().slice(0, 10).replaceAll('-', '');
  const body = `152222${birth}${String(Math.floor(i / 20000)).padStart(3, '0')}`;
  const id = `BP-${String(i).padStart(7, '0')}`;
  const person = `${id},测试${i},${body}${check(body)},科右中旗,152200`;
  if (i % 10 === 0) rows.push(`${person},poverty,2016-01-01,2018-06-30`, `${person},resident,2018-07-01,`);
  else rows.push(`${person},${i % 3 ? 'resident' : 'poverty'},2016-01-01,`);
}
writeFileSync(file, `${rows.join('\n')}\n`);
const db = join(dir, 'register.db');
const env = { ...process.env, ONESTOP_DB: db, ONESTOP_SEEDS: 'none', LOG_LEVEL: 'warn' };
const run = (args) => {
  const t = process.hrtime.bigint();
  const out = execFileSync(process.execPath, [join(ROOT, 'bin', 'onestop.js'), ...args], { env, maxBuffer: 1 << 26 }).toString().trim();
  return { seconds: Number(process.hrtime.bigint() - t) / 1e9, out };
};
const first = run(['register', 'import', 'people', file]);
const again = run(['register', 'import', 'people', file]);
console.log(
  JSON.stringify(
    {
      people: PEOPLE,
      rows: rows.length - 1,
      fileMiB: +(statSync(file).size / 2 ** 20).toFixed(1),
      machine: `${cpus()[0]?.model ?? 'unknown'}, ${cpus().length} cores; Node ${process.version}`,
      importSeconds: +first.seconds.toFixed(2),
      importOutput: first.out,
      againSeconds: +again.seconds.toFixed(2),
      againOutput: again.out,
    },
    null,
    2,
  ),
);
