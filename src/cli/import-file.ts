/**
 * What `onestop register import` and `onestop catalogue import` share: the file checked, the store
 * opened, the import run on the file's stream, its report printed in Chinese, and exit 1 when refused.
 */
import { CommanderError } from 'commander';
import { createReadStream, existsSync } from 'node:fs';
import { basename } from 'node:path';
import { boot, type Booted } from '../app/boot.js';
import type { ImportFileRequest } from '../register/import.js';
import { registerFormat } from '../register/rows.js';

export interface ImportFileOptions {
  dryRun?: boolean;
  source?: string;
  format?: 'csv' | 'jsonl';
}

export async function importFile<R extends { outcome: string; problems?: unknown[] }>(
  file: string,
  o: ImportFileOptions,
  run: (booted: Booted, req: ImportFileRequest) => Promise<R>,
  describe: (r: R) => string[],
): Promise<void> {
  if (!existsSync(file)) throw new CommanderError(2, 'onestop.import.file', `找不到文件 ${file}`);
  const booted = await boot();
  try {
    const report = await run(booted, {
      input: createReadStream(file),
      format: o.format ?? registerFormat(file),
      file: basename(file),
      source: o.source ?? null,
      dryRun: o.dryRun ?? false,
      actor: 'cli',
      at: new Date().toISOString(),
    });
    process.stdout.write(`${describe(report).join('\n')}\n`);
    if (report.outcome === 'refused') throw new CommanderError(1, 'onestop.import.refused', `${report.problems?.length ?? 0} problem(s)`);
  } finally {
    await booted.store.close();
  }
}
