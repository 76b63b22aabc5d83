/**
 * 目录稽核: items claimed differently from the catalogue (issue 22), for the bureau: each item a settlement
 * took the catalogue's values for although the hospital declared others (catalogueWins), and each bill
 * refused for it (strict), per hospital, with the amounts. Read from settlements.catalogue_json and
 * catalogue_refusals; nothing is recomputed.
 */
import type { Kysely } from 'kysely';
import { csvLine } from '../formats/csv.js';
import type { Database } from '../store/schema.js';

export interface CatalogueDifference {
  settlementId: string;
  status: 'settled' | 'reversed';
  hospitalCode: string;
  billNo: string;
  discharged: string;
  index: number;
  code: string;
  name: string | null;
  amount: string;
  declared: Record<string, string>;
  /** The catalogue's values; null for a code it does not have (目录外, settled as C). */
  catalogue: Record<string, string> | null;
}

export interface CatalogueRefusalRow {
  id: string;
  at: string;
  hospitalCode: string;
  billNo: string;
  personId: string;
  catalogueVersion: number;
  items: { path: (string | number)[]; code: string; message: string; declared: Record<string, string>; catalogue: Record<string, string> | null }[];
}

export interface CatalogueReport {
  period: { from: string | null; to: string | null };
  hospital: string | null;
  differences: CatalogueDifference[];
  refusals: CatalogueRefusalRow[];
  /** Per hospital: items settled on the catalogue's values against the declaration, and refused bills. */
  byHospital: { hospitalCode: string; differences: number; refusals: number }[];
}

export async function catalogueReport(db: Kysely<Database>, scope: { from?: string; to?: string; hospital?: string }): Promise<CatalogueReport> {
  let q = db.selectFrom('settlements').select(['id', 'status', 'hospital_code', 'bill_no', 'discharged', 'catalogue_json', 'bill_json']).where('catalogue_json', 'like', '%"declared"%');
  if (scope.from) q = q.where('discharged', '>=', scope.from);
  if (scope.to) q = q.where('discharged', '<=', scope.to);
  if (scope.hospital) q = q.where('hospital_code', '=', scope.hospital);
  const differences: CatalogueDifference[] = [];
  for (const s of await q.orderBy('discharged').orderBy('id').execute()) {
    const record = JSON.parse(s.catalogue_json!) as { items: { index: number; code: string; catalogue?: Record<string, string> & { name?: string }; declared?: Record<string, string> }[] };
    const items = (JSON.parse(s.bill_json) as { items?: { amount?: string }[] }).items ?? [];
    for (const i of record.items) {
      if (!i.declared) continue;
      const { name, ...values } = i.catalogue ?? {};
      differences.push({
        settlementId: s.id, status: s.status, hospitalCode: s.hospital_code, billNo: s.bill_no, discharged: s.discharged, index: i.index, code: i.code,
        name: name ?? null, amount: String(items[i.index]?.amount ?? ''), declared: i.declared, catalogue: i.catalogue ? values : null,
      });
    }
  }
  // Refusals by when they happened (a refused bill has no discharge date of record): the period's days in Beijing time.
  let r = db.selectFrom('catalogue_refusals').selectAll();
  if (scope.from) r = r.where('at', '>=', new Date(`${scope.from}T00:00:00+08:00`).toISOString());
  if (scope.to) r = r.where('at', '<', new Date(new Date(`${scope.to}T00:00:00+08:00`).getTime() + 86_400_000).toISOString());
  if (scope.hospital) r = r.where('hospital_code', '=', scope.hospital);
  const refusals: CatalogueRefusalRow[] = (await r.orderBy('at').orderBy('id').execute()).map((x) => ({
    id: x.id, at: x.at, hospitalCode: x.hospital_code, billNo: x.bill_no, personId: x.person_id, catalogueVersion: Number(x.catalogue_version), items: JSON.parse(x.issues_json) as CatalogueRefusalRow['items'],
  }));
  const per = new Map<string, { differences: number; refusals: number }>();
  for (const d of differences) (per.get(d.hospitalCode) ?? per.set(d.hospitalCode, { differences: 0, refusals: 0 }).get(d.hospitalCode)!).differences++;
  for (const x of refusals) (per.get(x.hospitalCode) ?? per.set(x.hospitalCode, { differences: 0, refusals: 0 }).get(x.hospitalCode)!).refusals++;
  return {
    period: { from: scope.from ?? null, to: scope.to ?? null },
    hospital: scope.hospital ?? null,
    differences,
    refusals,
    byHospital: [...per].sort(([a], [b]) => a.localeCompare(b)).map(([hospitalCode, c]) => ({ hospitalCode, ...c })),
  };
}

const values = (v: Record<string, string> | null) => (v ? Object.entries(v).map(([k, x]) => `${k}=${x}`).join(' ') : '目录外');

/** One CSV table for spreadsheets (UTF-8 with a byte-order mark): every difference, then every refusal. */
export function catalogueCsv(r: CatalogueReport): string {
  const lines = [csvLine(['类型', '医院编码', '账单号', '结算号或记录号', '日期', '项目序号', '编码', '名称', '金额', '申报', '目录', '说明'])];
  for (const d of r.differences) lines.push(csvLine(['按目录结算', d.hospitalCode, d.billNo, d.settlementId, d.discharged, d.index, d.code, d.name ?? '', d.amount, values(d.declared), values(d.catalogue), d.status === 'reversed' ? '已撤销' : '']));
  for (const x of r.refusals) {
    for (const i of x.items) lines.push(csvLine(['拒绝结算', x.hospitalCode, x.billNo, x.id, x.at, String(i.path[1] ?? ''), i.code, '', '', values(i.declared), values(i.catalogue), i.message]));
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
