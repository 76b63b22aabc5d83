/**
 * 目录导入: the medical catalogue gets in only this way (CLI, admin HTTP), like the register
 * (register/import.ts): the whole file read and checked first, then, for each code and region the file
 * names, its periods replace the standing ones when they differ (superseded, never edited), all in one
 * write set guarded by the catalogue's version. A bad row and nothing is applied; a file that says what
 * the catalogue says changes nothing and records no batch.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../formats/canonical-json.js';
import type { ImportFileRequest } from '../register/import.js';
import { describeRefusal } from '../register/report.js';
import { writeVersioned } from '../register/versioned-write.js';
import type { RowProblem } from '../register/rows.js';
import type { Store } from '../store/port.js';
import { named, type WriteStep } from '../store/write-set.js';
import { readCatalogueFile, type CatalogueEntryInFile } from './rows.js';

export interface CatalogueCounts {
  /** Codes (per region) the catalogue did not have. */
  newEntries: number;
  /** Codes whose periods change. */
  changed: number;
  unchanged: number;
  /** Periods written. */
  periodsRecorded: number;
}

export type CatalogueImportReport =
  | { outcome: 'refused'; kind: 'catalogue'; file: string; rows: number; problems: RowProblem[] }
  | { outcome: 'dry-run' | 'applied' | 'unchanged'; kind: 'catalogue'; file: string; rows: number; batch: string | null; counts: CatalogueCounts };

export type CatalogueImportRequest = ImportFileRequest;

const CHUNK = 500;

type Stated = Omit<CatalogueEntryInFile['periods'][number], 'line'>;
const periodKey = (p: Stated) => canonicalJson([p.from, p.to, p.name, p.category, p.class, p.selfPayRatio, p.priceCap]);

export async function importCatalogue(store: Store, req: CatalogueImportRequest): Promise<CatalogueImportReport> {
  const read = await readCatalogueFile(req.input, req.format);
  if (read.problems.length) return { outcome: 'refused', kind: 'catalogue', file: req.file, rows: read.rows, problems: read.problems };
  const file = [...read.entries.values()];
  const hash = createHash('sha256')
    .update(canonicalJson(file.map((e) => ({ code: e.code, region: e.region, periods: e.periods.map(periodKey) })).sort((a, b) => (a.code + a.region < b.code + b.region ? -1 : 1))))
    .digest('hex');
  return writeVersioned<CatalogueImportReport>(store, 'catalogue', async () => {
    // What the catalogue holds for the codes the file names.
    const standing = new Map<string, Set<string>>();
    const codes = [...new Set(file.map((e) => e.code))];
    for (let i = 0; i < codes.length; i += CHUNK) {
      const rows = await store.db.selectFrom('catalogue_entries').selectAll().where('code', 'in', codes.slice(i, i + CHUNK)).where('superseded_at', 'is', null).execute();
      for (const r of rows) {
        const k = `${r.code}\u0000${r.region}`;
        const set = standing.get(k) ?? new Set<string>();
        set.add(periodKey({ from: r.from_date, to: r.to_date, name: r.name, category: r.category, class: r.class, selfPayRatio: r.self_pay_ratio, priceCap: r.price_cap }));
        standing.set(k, set);
      }
    }
    const counts: CatalogueCounts = { newEntries: 0, changed: 0, unchanged: 0, periodsRecorded: 0 };
    const changes: { entry: CatalogueEntryInFile; isNew: boolean }[] = [];
    for (const e of file) {
      const now = standing.get(`${e.code}\u0000${e.region}`);
      const same = now !== undefined && now.size === e.periods.length && e.periods.every((p) => now.has(periodKey(p)));
      if (same) counts.unchanged++;
      else {
        if (now === undefined) counts.newEntries++;
        else counts.changed++;
        counts.periodsRecorded += e.periods.length;
        changes.push({ entry: e, isNew: now === undefined });
      }
    }
    const base = { kind: 'catalogue' as const, file: req.file, rows: read.rows, counts };
    if (changes.length === 0) return { answer: { ...base, outcome: 'unchanged', batch: null } };
    if (req.dryRun) return { answer: { ...base, outcome: 'dry-run', batch: null } };
    const batch = `RC-${req.at.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${hash.slice(0, 8)}`;
    const steps: WriteStep[] = [
      {
        kind: 'run',
        run: named('insertRegisterBatch', { id: batch, kind: 'catalogue', file: req.file, content_hash: hash, source: req.source ?? null, rows: read.rows, summary_json: JSON.stringify(counts), created_at: req.at, created_by: req.actor }),
      },
    ];
    for (const { entry: e, isNew } of changes) {
      if (!isNew) steps.push({ kind: 'run', run: named('supersedeCatalogueEntries', { superseded_at: req.at, superseded_by: batch, code: e.code, region: e.region }) });
      for (const p of e.periods) {
        steps.push({
          kind: 'run',
          run: named('insertCatalogueEntry', {
            code: e.code, region: e.region, from_date: p.from, to_date: p.to, name: p.name, category: p.category, class: p.class, self_pay_ratio: p.selfPayRatio, price_cap: p.priceCap, batch_id: batch, recorded_at: req.at,
          }),
        });
      }
    }
    steps.push({ kind: 'audit', at: req.at, entry: { actor: req.actor, action: 'catalogue.import', subject: batch, payload: { file: req.file, contentHash: hash, rows: read.rows, counts } } });
    return { steps, answer: { ...base, outcome: 'applied', batch } };
  }, () => new Error('医保目录在本次导入期间被另一次导入修改，已重试仍未成功；请稍后重新导入'));
}

/** What an import did, in Chinese. */
export function describeCatalogueReport(r: CatalogueImportReport): string[] {
  if (r.outcome === 'refused') return describeRefusal('医保目录文件', r.file, r.problems);
  const c = r.counts;
  const counts = `新增目录项 ${c.newEntries}，变更 ${c.changed}，未变 ${c.unchanged}；记录期间 ${c.periodsRecorded}`;
  if (r.outcome === 'unchanged') return [`医保目录文件 ${r.file}（${r.rows} 行）与现行目录一致，未做任何更改。${counts}`];
  if (r.outcome === 'dry-run') return [`试导入 ${r.file}（${r.rows} 行），未做任何更改。将会：${counts}`];
  return [`已导入 ${r.file}（${r.rows} 行），批次 ${r.batch}：${counts}`];
}
