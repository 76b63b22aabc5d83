/**
 * `onestop`: the command line. One file per command under src/cli/; this file only wires them.
 */
import { Command, CommanderError } from 'commander';
import { SettlementError } from '../engine/errors.js';
import { RulesLoadError } from '../rules/load.js';
import { resolveRuleset } from '../rules/resolve.js';
import { BillLineError, openInput, readYearToDate, runSettle } from './settle.js';

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

  return program;
}

export async function main(argv = process.argv): Promise<number> {
  try {
    await buildProgram().exitOverride().parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    if (e instanceof BillLineError || e instanceof RulesLoadError) {
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
