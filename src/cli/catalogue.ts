/**
 * `onestop catalogue import FILE [--dry-run]`: load the medical catalogue (catalogue/import.ts). A file
 * with any bad row changes nothing: every bad row is listed and the exit code is 1.
 */
import type { Command } from 'commander';
import { describeCatalogueReport, importCatalogue } from '../catalogue/import.js';
import { importFile, type ImportFileOptions } from './import-file.js';

export function registerCatalogueCommands(program: Command): void {
  const catalogue = program.command('catalogue').description('医保目录：导入药品、诊疗项目、医用耗材的目录类别、先行自付比例与限价（含起止日期）');
  catalogue
    .command('import')
    .description('导入医保目录文件（CSV 或 JSONL 格式，UTF-8 编码，中英文列名均可）。整个文件一次导入：任何一行有误则全部不导入，列出每一处问题，退出码为 1')
    .argument('<file>', '医保目录文件')
    .option('--dry-run', '只列出将会发生的变化，不做任何更改')
    .option('--source <text>', '依据文件（如文号），随批次记录')
    .option('--format <format>', '文件格式：csv 或 jsonl（默认按文件名判断）')
    .action(async (file: string, o: ImportFileOptions) => {
      await importFile(file, o, ({ store }, req) => importCatalogue(store, req), describeCatalogueReport);
    });
}
