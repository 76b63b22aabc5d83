/**
 * `onestop register import people|hospitals FILE [--dry-run]`: the bureau's way to load its register
 * (register/import.ts). A file with any bad row changes nothing: every bad row is listed (line, column,
 * what is wrong, in Chinese) and the exit code is 1. ID numbers are shown masked, here as everywhere.
 */
import type { Command } from 'commander';
import { CommanderError } from 'commander';
import { describeReport } from '../register/report.js';
import { importRegister } from '../register/import.js';
import type { RegisterKind } from '../register/rows.js';
import { importFile, type ImportFileOptions } from './import-file.js';

export function registerRegisterCommands(program: Command): void {
  const register = program.command('register').description('登记库：导入人员（含人员类别及起止日期）与医院（含等级及起止日期）');
  register
    .command('import')
    .description('导入登记文件（CSV 或 JSONL 格式，UTF-8 编码，可带 BOM，中英文列名均可）。整个文件一次导入：任何一行有误则全部不导入，列出每一处问题，退出码为 1')
    .argument('<kind>', '登记类型：people=人员，hospitals=医院')
    .argument('<file>', '登记文件')
    .option('--dry-run', '只列出将会发生的变化，不做任何更改')
    .option('--source <text>', '依据文件（如文号），随批次记录')
    .option('--format <format>', '文件格式：csv 或 jsonl（默认按文件名判断）')
    .action(async (kind: string, file: string, o: ImportFileOptions) => {
      if (kind !== 'people' && kind !== 'hospitals') throw new CommanderError(2, 'onestop.register.kind', `登记类型应为 people 或 hospitals，收到 “${kind}”`);
      await importFile(file, o, ({ store, rules }, req) => importRegister(store, rules.vocabulary(), { ...req, kind: kind as RegisterKind }), describeReport);
    });
}
