/**
 * CLI: `onestop doctor`: consistency of accumulators and settlements (issue 7). Reads only; exits 1 when it
 * finds a violation, so a cron job or a deployment check can act on it.
 *
 *   onestop doctor --year 2018            the database in ONESTOP_DB (default data/onestop.db)
 *   onestop doctor --db postgres://… --json
 */
import { existsSync } from 'node:fs';
import { CommanderError, InvalidArgumentError, type Command } from 'commander';
import { formatDoctorReport, runDoctor } from '../audit/doctor.js';
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
      'check that every person’s accumulators equal the sum of the recorded changes of their unreversed settlements, that every settlement balances (funds + patient = total), that no cap is exceeded, and that the audit log is complete; names each violation',
    )
    .option('--year <year>', 'only this year (of the discharge date); default every year in the store', parseYear)
    .option('--db <url>', 'SQLite file or postgres:// URL (default ONESTOP_DB, else data/onestop.db)')
    .option('--no-audit', 'skip the audit-log checks')
    .option('--json', 'print the report as JSON')
    .action(async (o: { year?: number; db?: string; audit: boolean; json?: boolean }) => {
      const url = o.db ?? defaultDatabaseUrl();
      // Opening a missing SQLite file would create an empty database and report it clean.
      if (!/^postgres(ql)?:\/\//.test(url) && url !== ':memory:' && !existsSync(url)) throw new ApiError(404, 'NOT_FOUND', `找不到数据库文件：${url}`);
      // A region's check may run longer than an API request is allowed to: no statement timeout here.
      process.env.ONESTOP_PG_STATEMENT_TIMEOUT_MS ??= '0';
      const store = await openStore(url);
      try {
        const report = await runDoctor(store, { year: o.year, audit: o.audit });
        process.stdout.write(o.json ? `${JSON.stringify({ store: store.dialect, location: store.location, ...report }, null, 2)}\n` : formatDoctorReport(report));
        if (!report.ok) throw new CommanderError(1, 'onestop.doctor.violations', `${report.violations.length} violation(s)`);
      } finally {
        await store.close();
      }
    });
}
