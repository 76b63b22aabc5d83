/**
 * `onestop`: the command line. One file per command under src/cli/; this file only wires them.
 */
import { Command, CommanderError } from 'commander';
import { SettlementError } from '../engine/errors.js';
import { RulesLoadError } from '../rules/load.js';
import { resolveRuleset } from '../rules/resolve.js';
import { ApiError } from '../errors/api-error.js';
import { readFileSync } from 'node:fs';
import { createKey, listKeys, maskKeyId, revokeKey, type Role } from '../access/keys.js';
import { ROLE_LABELS, beijingTime, labelOf } from '../labels/labels.js';
import { boot } from '../app/boot.js';
import { registerAuditCommands } from './audit.js';
import { displayWidth, speakChinese } from './help.js';
import { registerDoctorCommand } from './doctor.js';
import { registerModelCommands } from './model.js';
import { registerCatalogueCommands } from './catalogue.js';
import { registerRegisterCommands } from './register.js';
import { registerRulesCommands } from './rules.js';
import { registerStatementCommand } from './statement.js';
import { InputFileError, InputLineError } from '../formats/line-error.js';
import { openInput, runSettle } from './settle.js';
import { readYearToDate } from './year-to-date.js';

/** The version in package.json (dist/cli/ and src/cli/ are both two folders below it). */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/** Rows as a table with columns padded to their display width (a Chinese character takes two). */
function table(rows: string[][]): string {
  const widths = rows.reduce((w, r) => r.map((c, i) => Math.max(w[i] ?? 0, displayWidth(c))), [] as number[]);
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i]! - displayWidth(c)))).join('  ')).join('\n');
}

export function buildProgram(): Command {
  const program = speakChinese(new Command('onestop'), packageVersion())
    .description('一站式结算：一张住院或门诊账单依次经基本医保、大病保险、商业补充保险、医疗救助和政府兜底结算，患者只付余下部分')
    .showHelpAfterError('（加 --help 查看用法）');

  program
    .command('settle')
    .description('按规则文件结算账单（不需要服务或数据库）：每张账单输出一行结算结果（JSON），同一参保人的本年累计逐张延续')
    .requiredOption('--rules <fileOrId>', '规则文件（YAML 或 JSON），或规则目录（ONESTOP_RULES，默认 rules/）中的规则 id，如 xingan-2018')
    .option('--year-to-date <file>', '起始的本年累计：{"<参保人编号>": {"<年度>": {"<累计项>": {"paid": "0.00"}}}}')
    .argument('<bills>', '一张 JSON 账单、每行一张账单的 JSONL 文件，或 - 表示从标准输入读取')
    .action(async (bills: string, opts: { rules: string; yearToDate?: string }) => {
      const rules = resolveRuleset(opts.rules);
      const yearToDate = opts.yearToDate ? readYearToDate(opts.yearToDate) : undefined;
      await runSettle({ rules, input: openInput(bills), output: process.stdout, yearToDate });
    });

  program
    .command('serve')
    .description('启动结算服务（与 npm start 相同）；端口、数据库和规则目录取自环境变量 PORT、ONESTOP_DB、ONESTOP_RULES')
    .action(async () => {
      const { startServer } = await import('../app/server.js');
      await startServer();
      await new Promise(() => {});
    });

  const keys = program.command('keys').description('接口密钥：创建、列出、停用（密钥只在创建时显示一次，库中只存其哈希）');
  keys
    .command('create')
    .description('创建一个密钥，并在标准输出打印它')
    .requiredOption('--role <role>', '角色：window（结算窗口）、office（医保经办）、auditor（医保局稽核）、finance（财政测算）或 admin（管理员）')
    .option('--hospital <code>', '窗口密钥绑定的医院编码，如 H152200-L01')
    .option('--region <code>', '经办密钥绑定的地区（6 位行政区划代码），如 152200')
    .option('--label <text>', '密钥给谁、作什么用（备注）')
    .option('--json', '以 JSON 打印 {"id","secret","role","hospital"}')
    .action(async (o: { role: Role; hospital?: string; region?: string; label?: string; json?: boolean }) => {
      const { store } = await boot();
      try {
        const k = await createKey(store, { role: o.role, hospitalCode: o.hospital ?? null, regionCode: o.region ?? null, label: o.label ?? null });
        process.stdout.write(o.json ? `${JSON.stringify({ id: k.id, secret: k.secret, role: o.role, hospital: o.hospital ?? null })}\n` : `${k.secret}\n`);
        if (!o.json) process.stderr.write(`已创建密钥 ${k.id}（${labelOf(ROLE_LABELS, o.role)}${o.hospital ? `，${o.hospital}` : ''}）；上面的密钥只显示这一次，请妥善保存\n`);
      } finally {
        await store.close();
      }
    });
  keys
    .command('list')
    .description('列出全部密钥：编号（默认部分隐去）、角色、医院、备注、创建时间、停用时间；不显示密钥本身（库中没有）')
    .option('--full-ids', '显示完整的密钥编号（停用密钥时要用）')
    .option('--json', '以 JSON 打印')
    .action(async (o: { fullIds?: boolean; json?: boolean }) => {
      const { store } = await boot();
      try {
        const all = (await listKeys(store)).map((k) => ({ ...k, id: o.fullIds ? k.id : maskKeyId(k.id) }));
        if (o.json) {
          process.stdout.write(`${JSON.stringify(all)}\n`);
          return;
        }
        if (!all.length) {
          process.stdout.write('还没有密钥：用 onestop keys create --role … 创建\n');
          return;
        }
        const rows = [['密钥编号', '角色', '医院', '备注', '创建时间（北京时间）', '状态'], ...all.map((k) => [
          k.id,
          labelOf(ROLE_LABELS, k.role),
          k.hospitalCode ? `${k.hospitalName ?? ''}（${k.hospitalCode}）` : '—',
          k.label ?? '—',
          beijingTime(k.createdAt),
          k.revokedAt ? `已于 ${beijingTime(k.revokedAt)} 停用` : '有效',
        ])];
        const active = all.filter((k) => !k.revokedAt).length;
        process.stdout.write(`${table(rows)}\n共 ${all.length} 个密钥，有效 ${active} 个${o.fullIds ? '' : '；停用密钥需要完整编号：onestop keys list --full-ids'}\n`);
      } finally {
        await store.close();
      }
    });
  keys
    .command('revoke')
    .description('按编号停用一个密钥（k_…）；停用后用它的请求一律 401')
    .argument('<id>', '密钥编号（用 `onestop keys list --full-ids` 可查）')
    .action(async (id: string) => {
      const { store } = await boot();
      try {
        if (!(await revokeKey(store, id))) throw new ApiError(404, 'NOT_FOUND', `密钥 ${id} 不存在或已停用`);
        process.stderr.write(`已停用密钥 ${id}\n`);
      } finally {
        await store.close();
      }
    });

  registerAuditCommands(program);
  registerModelCommands(program);
  registerDoctorCommand(program);
  registerRulesCommands(program);
  registerRegisterCommands(program);
  registerCatalogueCommands(program);
  registerStatementCommand(program);

  return program;
}

export async function main(argv = process.argv): Promise<number> {
  try {
    await buildProgram().exitOverride().parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    if (e instanceof InputLineError || e instanceof InputFileError || e instanceof RulesLoadError) {
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
