/**
 * CLI: `onestop statement`: a person's year (年度结算汇总) from the store: every settlement, reversal and
 * adjustment (应补应退) in ledger order with the running year-to-date, then the totals per fund.
 *
 *   onestop statement --person P-000001 --year 2018 [--db FILE_OR_URL] [--json]
 */
import { existsSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { ApiError } from '../errors/api-error.js';
import { loadPersonYearStatement } from '../statement/load.js';
import { formatStatement } from '../statement/text.js';
import { defaultDatabaseUrl, isPostgresUrl, openStore } from '../store/open.js';

function parseYear(v: string): number {
  const n = Number(v);
  if (!/^\d{4}$/.test(v) || n < 2000 || n > 2100) throw new InvalidArgumentError('年份应为 2000 至 2100 之间的四位数，如 2018');
  return n;
}

export function registerStatementCommand(program: Command): void {
  program
    .command('statement')
    .description('年度结算汇总：某参保人一年内的每笔结算、撤销及应补应退调整（按账本顺序），含逐笔累计值和各基金合计')
    .requiredOption('--person <id>', '参保人编号')
    .requiredOption('--year <year>', '年份（按出院日期）', parseYear)
    .option('--db <url>', 'SQLite 文件或 postgres:// 地址（默认 ONESTOP_DB，否则 data/onestop.db）')
    .option('--json', '以 JSON 输出（与 GET /v1/people/{id}/years/{year} 相同）')
    .action(async (o: { person: string; year: number; db?: string; json?: boolean }) => {
      const url = o.db ?? defaultDatabaseUrl();
      // Opening a missing SQLite file would create an empty database.
      if (!isPostgresUrl(url) && url !== ':memory:' && !existsSync(url)) throw new ApiError(404, 'NOT_FOUND', `找不到数据库文件：${url}`);
      const store = await openStore(url);
      try {
        const st = await loadPersonYearStatement(store, o.person, o.year);
        process.stdout.write(o.json ? `${JSON.stringify(st, null, 2)}\n` : formatStatement(st));
      } finally {
        await store.close();
      }
    });
}
