/**
 * CLI: `onestop doctor`: consistency of accumulators and settlements (issue 7). Reads only; exits 1 when it
 * finds a violation, so a cron job or a deployment check can act on it.
 *
 *   onestop doctor --year 2018            the database in ONESTOP_DB (default data/onestop.db)
 *   onestop doctor --db postgres://… --json
 */
import { existsSync } from 'node:fs';
import { CommanderError, InvalidArgumentError, type Command } from 'commander';
import { AuditThread } from '../audit/audit-thread.js';
import { formatDoctorReport, runDoctor } from '../audit/doctor.js';
import { withProgress } from './progress.js';
import { ApiError } from '../errors/api-error.js';
import { defaultDatabaseUrl, openStore } from '../store/open.js';

function parseYear(v: string): number {
  const n = Number(v);
  if (!/^\d{4}$/.test(v) || n < 2000 || n > 2100) throw new InvalidArgumentError('年份应为 2000 至 2100 之间的四位数，如 2018');
  return n;
}

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description(
      '数据体检：每人的本年累计等于其未撤销结算所记变化之和，每笔结算收支平衡（各基金 + 个人 = 总费用），没有超过封顶线，审计日志完整；逐条指出不符之处',
    )
    .option('--year <year>', '只查这一年（按出院日期）；默认查库中所有年度', parseYear)
    .option('--db <url>', 'SQLite 文件或 postgres:// 地址（默认取 ONESTOP_DB，否则 data/onestop.db）')
    .option('--no-audit', '不检查审计日志')
    .option('--json', '以 JSON 打印报告')
    .action(async (o: { year?: number; db?: string; audit: boolean; json?: boolean }) => {
      const url = o.db ?? defaultDatabaseUrl();
      // Opening a missing SQLite file would create an empty database and report it clean.
      if (!/^postgres(ql)?:\/\//.test(url) && url !== ':memory:' && !existsSync(url)) throw new ApiError(404, 'NOT_FOUND', `找不到数据库文件：${url}`);
      // A region's check may run longer than an API request is allowed to: no statement timeout here.
      process.env.ONESTOP_PG_STATEMENT_TIMEOUT_MS ??= '0';
      const store = await openStore(url);
      // The chain is hashed in a thread of its own, on the other core, while the people are checked here.
      const thread = new AuditThread(store);
      try {
        const chain = o.audit && thread.threaded ? thread.verifyLog() : undefined;
        chain?.catch(() => undefined); // the doctor awaits it; this only keeps an early failure from being unhandled
        const report = await withProgress('一致性检查', (opts) => runDoctor(store, { year: o.year, audit: o.audit, chain, ...opts }));
        process.stdout.write(o.json ? `${JSON.stringify({ store: store.dialect, location: store.location, ...report }, null, 2)}\n` : formatDoctorReport(report));
        if (!report.ok) throw new CommanderError(1, 'onestop.doctor.violations', `${report.violations.length} violation(s)`);
      } finally {
        await thread.terminate();
        await store.close();
      }
    });
}
