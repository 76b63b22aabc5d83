/**
 * `onestop`: the command line. One file per command under src/cli/; this file only wires them.
 */
import { Command, CommanderError } from 'commander';
import { SettlementError } from '../engine/errors.js';
import { RulesLoadError } from '../rules/load.js';
import { resolveRuleset } from '../rules/resolve.js';
import { ApiError } from '../errors/api-error.js';
import { createKey, revokeKey, type Role } from '../access/keys.js';
import { boot } from '../app/boot.js';
import { registerAuditCommands } from './audit.js';
import { registerDoctorCommand } from './doctor.js';
import { registerModelCommands } from './model.js';
import { registerRulesCommands } from './rules.js';
import { registerStatementCommand } from './statement.js';
import { InputLineError } from '../formats/line-error.js';
import { openInput, readYearToDate, runSettle } from './settle.js';

export function buildProgram(): Command {
  const program = new Command('onestop')
    .description('一站式结算 one-stop settlement: a hospital bill through basic insurance, serious-illness insurance, commercial cover, medical assistance and the government backstop')
    .showHelpAfterError();

  program
    .command('settle')
    .description('settle bills with a rules file; prints one settlement (JSON) per bill, per line, carrying year-to-date totals')
    .requiredOption('--rules <fileOrId>', 'a rules file (YAML/JSON), or a ruleset id under ONESTOP_RULES (default rules/)')
    .option('--year-to-date <file>', 'starting accumulators: {"<personId>": {"<year>": {"<accumulator>": {"paid": "0.00"}}}}')
    .argument('<bills>', 'a JSON bill, a JSON Lines file of bills, or - for standard input')
    .action(async (bills: string, opts: { rules: string; yearToDate?: string }) => {
      const rules = resolveRuleset(opts.rules);
      const yearToDate = opts.yearToDate ? readYearToDate(opts.yearToDate) : undefined;
      await runSettle({ rules, input: openInput(bills), output: process.stdout, yearToDate });
    });

  program
    .command('serve')
    .description('run the HTTP service (same as npm start): PORT, ONESTOP_DB, ONESTOP_RULES from the environment')
    .action(async () => {
      const { startServer } = await import('../app/server.js');
      await startServer();
      await new Promise(() => {});
    });

  const keys = program.command('keys').description('API keys: create or revoke (the secret is printed once; only its hash is stored)');
  keys
    .command('create')
    .description('create a key and print it')
    .requiredOption('--role <role>', 'window | auditor | finance | admin')
    .option('--hospital <code>', 'the hospital a window key is bound to')
    .option('--label <text>', 'who or what the key is for')
    .option('--json', 'print {"id","secret","role"} as JSON')
    .action(async (o: { role: Role; hospital?: string; label?: string; json?: boolean }) => {
      const { store } = await boot();
      try {
        const k = await createKey(store, { role: o.role, hospitalCode: o.hospital ?? null, label: o.label ?? null });
        process.stdout.write(o.json ? `${JSON.stringify({ id: k.id, secret: k.secret, role: o.role, hospital: o.hospital ?? null })}\n` : `${k.secret}\n`);
        if (!o.json) process.stderr.write(`key ${k.id} (${o.role}${o.hospital ? ` @ ${o.hospital}` : ''}) created; the secret above is shown only once\n`);
      } finally {
        await store.close();
      }
    });
  keys
    .command('revoke')
    .description('revoke a key by its id (k_…)')
    .argument('<id>')
    .action(async (id: string) => {
      const { store } = await boot();
      try {
        if (!(await revokeKey(store, id))) throw new ApiError(404, 'NOT_FOUND', `密钥 ${id} 不存在或已停用`);
        process.stderr.write(`key ${id} revoked\n`);
      } finally {
        await store.close();
      }
    });

  registerAuditCommands(program);
  registerModelCommands(program);
  registerDoctorCommand(program);
  registerRulesCommands(program);
  registerStatementCommand(program);

  return program;
}

export async function main(argv = process.argv): Promise<number> {
  try {
    await buildProgram().exitOverride().parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    if (e instanceof InputLineError || e instanceof RulesLoadError) {
      process.stderr.write(`onestop: ${e.message}\n`);
      return 1;
    }
    if (e instanceof ApiError) {
      process.stderr.write(`onestop: ${e.message}\n`);
      return 1;
    }
    if (e instanceof SettlementError) {
      process.stderr.write(`onestop: ${e.path.length ? `${e.toJSON().path}：` : ''}${e.message}\n`);
      return 1;
    }
    if (e instanceof Error && (e as NodeJS.ErrnoException).code === 'ENOENT') {
      process.stderr.write(`onestop: 找不到文件：${(e as NodeJS.ErrnoException).path}\n`);
      return 1;
    }
    process.stderr.write(`onestop: ${process.env.ONESTOP_DEBUG ? (e as Error).stack : (e as Error).message}\n`);
    return 2;
  }
}
