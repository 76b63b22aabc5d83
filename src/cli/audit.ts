/**
 * CLI: audit, explain and verify (issue 4). Works offline against the store named by ONESTOP_DB (a copy of
 * the production database is enough: every settlement carries its bill, its ruleset version and the
 * accumulators it read, so the rules directory is not needed).
 *
 *   onestop audit [--from D] [--to D] [--hospital CODE] [--json]   recompute audit (exit 1 on any finding)
 *   onestop audit verify-log [--json]                              check the hash-chained audit log (exit 1 on any problem)
 *   onestop audit explain <id> [--json]                            a settlement's trace in plain Chinese
 *   onestop audit receivables [--from D] [--to D] [--hospital CODE] [--csv]
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { runAudit, type AuditReport } from '../audit/audit.js';
import { withProgress } from './progress.js';
import { buildTrace, storedDiagnoses, type Citation } from '../explain/explain.js';
import { STEP_FIELD_LABELS, fundLabel, labelOf, populationLabel } from '../labels/labels.js';
import { catalogueCsv, catalogueReport } from '../audit/catalogue.js';
import { KIND_LABELS } from '../reports/receivables.js';
import { receivables, receivablesCsv } from '../reports/receivables.js';
import { auditRequestSchema } from '../audit/schemas.js';
import { parseOr422 } from '../errors/from-zod.js';
import { formatYuan } from '../money/text.js';
import { ApiError } from '../errors/api-error.js';
import { parseAnchor, verifyAuditLog, type AuditAnchor } from '../checks/audit-log.js';
import { RulesetVersions } from '../settle/recompute.js';
import type { SettlementJson } from '../engine/result.js';
import { defaultDatabaseUrl, openStore } from '../store/open.js';
import type { Store } from '../store/port.js';

/** Open the existing store; an audit never creates (or seeds) a database. */
async function openExisting(): Promise<Store> {
  const url = defaultDatabaseUrl();
  if (!/^postgres(ql)?:\/\//.test(url) && url !== ':memory:' && !existsSync(resolve(url))) {
    throw new ApiError(404, 'NO_DATABASE', `找不到数据库文件 ${url}：请用 ONESTOP_DB 指定要审计的数据库`);
  }
  return openStore(url);
}

async function withStore<T>(fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openExisting();
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** Display width of a string in a terminal (CJK characters take two columns). */
function width(s: string): number {
  let w = 0;
  for (const ch of s) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1;
  return w;
}
const padEnd = (s: string, n: number) => s + ' '.repeat(Math.max(0, n - width(s)));
const padStart = (s: string, n: number) => ' '.repeat(Math.max(0, n - width(s))) + s;

const LIST_LIMIT = 50;

function more(total: number, shown: number): string[] {
  return total > shown ? [`    …… 另有 ${total - shown} 条，请用 --json 查看全部`] : [];
}

function show(v: unknown): string {
  if (v === null || v === undefined) return '（无）';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function formatAuditReport(r: AuditReport): string {
  const out: string[] = [];
  out.push(`重新计算审计　期间：${r.period.from ?? '不限'} 至 ${r.period.to ?? '不限'}　医院：${r.hospital ? `${r.hospital.name}（${r.hospital.code}）` : '全部'}`);
  out.push(`结算 ${r.count} 笔（其中已撤销 ${r.reversed.count} 笔），逐笔按所存账单、规则版本和结算前累计重新计算。`);
  out.push('');
  const section = (title: string, n: number, unit: string, lines: string[]) => {
    out.push(`${n ? '✗' : '✓'} ${title}：${n} ${unit}`);
    out.push(...lines);
  };
  section(
    '重新计算结果与存储不一致',
    r.mismatches.length,
    '笔',
    r.mismatches.slice(0, LIST_LIMIT).flatMap((m) => [
      `    结算 ${m.id}（账单 ${m.billNo}，医院 ${m.hospitalCode}${m.status === 'reversed' ? '，已撤销' : ''}）${m.error ? `：${m.error}` : ''}`,
      ...m.differences.slice(0, 8).map((d) => `      ${d.path}：存储 ${show(d.stored)}，重算 ${show(d.recomputed)}`),
      ...(m.differences.length > 8 ? [`      …… 另有 ${m.differences.length - 8} 处不同`] : []),
    ]).concat(more(r.mismatches.length, LIST_LIMIT)),
  );
  section(
    '低于保底报销比例（贫困人口）',
    r.floorBreaches.length,
    '笔',
    r.floorBreaches
      .slice(0, LIST_LIMIT)
      .map(
        (f) =>
          `    结算 ${f.id}（账单 ${f.billNo}，参保人 ${f.personId}）：应不低于${f.denominator === 'total' ? '总费用' : '政策范围内费用'}的 ${Number(f.floor) * 100}%（${formatYuan(f.required)} 元），实际基金支付 ${formatYuan(f.fundPaysTotal)} 元，差 ${formatYuan(f.shortfall)} 元`,
      )
      .concat(more(r.floorBreaches.length, LIST_LIMIT)),
  );
  section(
    '超过封顶线',
    r.capBreaches.length,
    '处',
    r.capBreaches
      .slice(0, LIST_LIMIT)
      .map((c) =>
        c.type === 'annualCap'
          ? `    参保人 ${c.personId} ${c.year} 年 ${c.stepId}：年度支付累计 ${formatYuan(c.cumulative)} 元，超过封顶线 ${formatYuan(c.cap)} 元 ${formatYuan(c.excess)} 元（自结算 ${c.settlementId} 起）`
          : `    参保人 ${c.personId} ${c.year} 年：个人自付累计 ${formatYuan(c.cumulative)} 元，超过年度自付封顶 ${formatYuan(c.cap)} 元 ${formatYuan(c.excess)} 元（自结算 ${c.settlementId} 起）`,
      )
      .concat(more(r.capBreaches.length, LIST_LIMIT)),
  );
  section(
    '金额不平（存储记录自相矛盾）',
    r.sumBreaches.length,
    '笔',
    r.sumBreaches
      .slice(0, LIST_LIMIT)
      .flatMap((s) => [`    结算 ${s.id}（账单 ${s.billNo}）`, ...s.problems.map((p) => `      ${p.path}：${p.message}（存储 ${p.stored ?? '无'}，应为 ${p.expected ?? '无'}）`)])
      .concat(more(r.sumBreaches.length, LIST_LIMIT)),
  );
  section(
    '与审计日志不符',
    r.anchorBreaches.length,
    '处',
    r.anchorBreaches
      .slice(0, LIST_LIMIT)
      .map((a) => `    ${a.message}`)
      .concat(more(r.anchorBreaches.length, LIST_LIMIT)),
  );
  section(
    '与登记库不符（结算时所用人员类别当时并不在册）',
    r.registerBreaches.length,
    '处',
    r.registerBreaches
      .slice(0, LIST_LIMIT)
      .map((b) => `    ${b.message}`)
      .concat(more(r.registerBreaches.length, LIST_LIMIT)),
  );
  if (r.registerChanges.length) {
    out.push(`  登记库事后更正（未重新结算，供核查）：${r.registerChanges.length} 笔`);
    for (const c of r.registerChanges.slice(0, LIST_LIMIT)) {
      out.push(`    结算 ${c.id}（账单 ${c.billNo}，参保人 ${c.personId}，${c.date}）：结算时 ${c.used.map(populationLabel).join('、') || '无'}，现登记 ${c.now.map(populationLabel).join('、') || '无'}${c.changesPopulation ? '（人员类别已变）' : ''}；更正批次 ${c.by.join('、') || '—'}`);
    }
    out.push(...more(r.registerChanges.length, LIST_LIMIT));
  }
  if (r.reversed.count) out.push(`  已撤销结算：${r.reversed.ids.slice(0, 20).join('、')}${r.reversed.count > 20 ? ` 等 ${r.reversed.count} 笔` : ''}`);
  out.push('');
  out.push('各基金支付合计（不含已撤销结算）：');
  const funds = Object.entries(r.totalsByFund);
  const amountWidth = Math.max(16, ...funds.map(([, v]) => width(formatYuan(v))), width(formatYuan(r.totals.total)));
  for (const [fund, amount] of funds) out.push(`  ${padEnd(fundLabel(fund), 14)}${padStart(formatYuan(amount), amountWidth)} 元`);
  out.push(`  ${padEnd('基金支付合计', 14)}${padStart(formatYuan(r.totals.fundPaysTotal), amountWidth)} 元`);
  out.push(`  ${padEnd('个人支付合计', 14)}${padStart(formatYuan(r.totals.patientPays), amountWidth)} 元`);
  out.push(`  ${padEnd('医疗费总额', 14)}${padStart(formatYuan(r.totals.total), amountWidth)} 元`);
  out.push('');
  out.push(r.clean ? '结论：未发现问题。' : '结论：发现问题，请逐条核查（详细数据：--json）。');
  return `${out.join('\n')}\n`;
}

export function registerAuditCommands(program: Command): void {
  const audit = program
    .command('audit')
    .description('重新计算审计：按所存账单、规则版本和结算前累计逐笔重新计算范围内的结算；发现任何问题时退出码为 1')
    .option('--from <date>', '出院日期不早于（YYYY-MM-DD）')
    .option('--to <date>', '出院日期不晚于（YYYY-MM-DD）')
    .option('--hospital <code>', '只审计这一家医院')
    .option('--json', '以 JSON 打印报告（与 POST /v1/audits 相同）')
    .action(async (o: { from?: string; to?: string; hospital?: string; json?: boolean }) => {
      const scope = parseOr422(auditRequestSchema, { from: o.from, to: o.to, hospital: o.hospital }, { what: '请求', unknownKeysApart: true });
      const report = await withStore((store) => withProgress('重新计算审计', (opts) => runAudit(store, scope, opts)));
      process.stdout.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : formatAuditReport(report));
      if (!report.clean) throw new ApiError(422, 'AUDIT_FINDINGS', '审计发现问题（见上）');
    });

  audit
    .command('verify-log')
    .description('检查哈希链审计日志：指出每一条被改动、删除或插入的记录；有问题时退出码为 1')
    .option('--json', '以 JSON 打印 `{ entries, head, problems }`')
    .option('--anchor <seq:hash>', '早先记下的链头（按打印的 seq:hash 格式）：检查那一条记录的哈希仍然相同；可给多个', collectAnchor, [] as AuditAnchor[])
    .action(async (_o: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals<{ json?: boolean; anchor: AuditAnchor[] }>();
      const v = await withStore((store) => verifyAuditLog(store.db, o.anchor));
      if (o.json) process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
      else {
        const lines = [`审计日志共 ${v.entries} 条${v.head ? `；末条第 ${v.head.seq} 条，哈希 ${v.head.hash}（记录为 ${v.head.seq}:${v.head.hash}）` : ''}`];
        if (v.unsealed.count) lines.push(`其中 ${v.unsealed.count} 条尚未封存入哈希链（最早的第 ${v.unsealed.oldest!.seq} 条，${v.unsealed.oldest!.ageMs} 毫秒前写入），已按写入时的摘要核对。`);
        if (!v.problems.length) {
          lines.push('哈希链完整，日志与结算、密钥记录一致：未发现改动。');
          if (o.anchor.length) lines.push(`与另行记录的 ${o.anchor.length} 个哈希核对一致：这些记录及其此前的记录均未被改写。`);
          lines.push('（请将末条哈希另行记录，日后以 --anchor 序号:哈希 核对，可证明此前的记录未被改动。）');
        }
        else {
          lines.push(`发现 ${v.problems.length} 处问题：`);
          for (const p of v.problems) lines.push(`  第 ${p.seq} 条［${PROBLEM_LABELS[p.problem] ?? p.problem}］${p.message}`);
        }
        process.stdout.write(`${lines.join('\n')}\n`);
      }
      if (v.problems.length) throw new ApiError(422, 'AUDIT_LOG_BROKEN', `审计日志校验未通过：${v.problems.length} 处问题`);
    });

  audit
    .command('explain')
    .description('一笔结算的计算过程：每一步的金额、说明和依据')
    .argument('<id>', '结算号（JS…）')
    .option('--json', '以 JSON 打印（与 GET /v1/settlements/{id}/trace 相同）')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals<{ json?: boolean }>();
      const trace = await withStore(async (store) => {
        const row = await store.db.selectFrom('settlements').selectAll().where('id', '=', id).executeTakeFirst();
        if (!row) throw new ApiError(404, 'NOT_FOUND', `结算 ${id} 不存在`);
        const ruleset = await new RulesetVersions(store.db).get(row.ruleset_hash);
        const tier = (JSON.parse(row.bill_json) as { hospital?: { tier?: string } }).hospital?.tier ?? '';
        return buildTrace({ id: row.id, status: row.status, result: JSON.parse(row.result_json) as SettlementJson, ruleset, tier, diagnoses: storedDiagnoses(row.bill_json), eligibilityJson: row.eligibility_json, catalogueJson: row.catalogue_json });
      });
      if (o.json) {
        process.stdout.write(`${JSON.stringify(trace, null, 2)}\n`);
        return;
      }
      const lines = [`结算 ${trace.settlementId}（${trace.status === 'reversed' ? '已撤销' : '已结算'}）`, trace.summary, ''];
      trace.steps.forEach((s, i) => {
        lines.push(`${i + 1}. ${s.sentence}`);
        const cite = (label: string, c: Citation) => {
          lines.push(`   ${label}：《${c.title}》${c.file ? `（${c.file}）` : ''}`);
          for (const p of c.clause ?? []) lines.push(`     原文：“${p}”`);
        };
        if (s.citation) cite('依据', s.citation);
        for (const [field, c] of Object.entries(s.fieldCitations ?? {})) cite(`${labelOf(STEP_FIELD_LABELS, field)}依据`, c);
        for (const [field, why] of Object.entries(s.estimates ?? {})) lines.push(`   估计值 ${labelOf(STEP_FIELD_LABELS, field)}：${why}`);
      });
      lines.push('', `规则：${trace.rulesetTitle}（${trace.rulesetId}，版本 ${trace.rulesetHash.slice(0, 12)}，${trace.rulesetFile}）`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  audit
    .command('catalogue')
    .description('目录稽核：申报的目录类别、先行自付比例或限价与医保目录不符的项目（按目录结算的，以及被拒绝结算的账单），按医院列出')
    .option('--from <date>', '出院日期（拒绝记录：提交日期）不早于（YYYY-MM-DD）')
    .option('--to <date>', '出院日期（拒绝记录：提交日期）不晚于（YYYY-MM-DD）')
    .option('--hospital <code>', '只看这一家医院')
    .option('--csv', '输出 CSV（UTF-8 带 BOM，可直接用 Excel 打开），而不是表格')
    .action(async (_o: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals<{ from?: string; to?: string; hospital?: string; csv?: boolean }>();
      const q = parseOr422(auditRequestSchema, { from: o.from, to: o.to, hospital: o.hospital }, { what: '请求', unknownKeysApart: true });
      const r = await withStore((store) => catalogueReport(store.db, q));
      if (o.csv) {
        process.stdout.write(catalogueCsv(r));
        return;
      }
      const show = (v: Record<string, string> | null) => (v ? Object.entries(v).map(([k, x]) => `${k} ${x}`).join('，') : '目录外');
      const lines = [`目录稽核　期间：${r.period.from ?? '不限'} 至 ${r.period.to ?? '不限'}${r.hospital ? `　医院：${r.hospital}` : ''}`];
      lines.push(`按目录结算（申报与目录不符）：${r.differences.length} 项`);
      for (const d of r.differences) lines.push(`  ${d.hospitalCode} 账单 ${d.billNo} 第 ${d.index + 1} 项 ${d.code}${d.name ? ` ${d.name}` : ''}（${d.amount} 元）：申报 ${show(d.declared)}；目录 ${show(d.catalogue)}${d.status === 'reversed' ? '（已撤销）' : ''}`);
      lines.push(`拒绝结算：${r.refusals.length} 笔`);
      for (const x of r.refusals) for (const i of x.items) lines.push(`  ${x.hospitalCode} 账单 ${x.billNo}（${x.at}）：${i.message}`);
      if (r.byHospital.length) {
        lines.push('按医院：');
        for (const h of r.byHospital) lines.push(`  ${padEnd(h.hospitalCode, 16)}按目录结算 ${h.differences} 项，拒绝 ${h.refusals} 笔`);
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  audit
    .command('receivables')
    .description('应收款：按医院、基金和出院月份列出各基金应付给医院的金额（不含已撤销的结算）')
    .option('--from <date>', '出院日期不早于（YYYY-MM-DD）')
    .option('--to <date>', '出院日期不晚于（YYYY-MM-DD）')
    .option('--hospital <code>', '只看这一家医院')
    .option('--csv', '输出 CSV（UTF-8 带 BOM，可直接用 Excel 打开），而不是表格')
    .action(async (_o: unknown, cmd: Command) => {
      // The parent `audit` command has the same options and, as commander parses, may have taken them.
      const o = cmd.optsWithGlobals<{ from?: string; to?: string; hospital?: string; csv?: boolean }>();
      const q = parseOr422(auditRequestSchema, { from: o.from, to: o.to, hospital: o.hospital }, { what: '请求', unknownKeysApart: true });
      const r = await withStore((store) => receivables(store.db, q));
      if (o.csv) {
        process.stdout.write(receivablesCsv(r));
        return;
      }
      const lines = [`应收款（结算按出院月份；撤销冲回、应补应退按发生月份，已报月份不再变动）　期间：${r.from ?? '不限'} 至 ${r.to ?? '不限'}`];
      for (const row of r.rows) {
        lines.push(`  ${padEnd(row.hospitalName, 30)}${padEnd(row.month, 9)}${padEnd(KIND_LABELS[row.kind], 10)}${padEnd(fundLabel(row.fund), 14)}${padStart(formatYuan(row.amount), 16)} 元  ${row.settlements} 笔`);
      }
      lines.push('合计：');
      for (const [fund, amount] of Object.entries(r.totalsByFund)) lines.push(`  ${padEnd(fundLabel(fund), 14)}${padStart(formatYuan(amount), 16)} 元`);
      lines.push(`  ${padEnd('总计', 14)}${padStart(formatYuan(r.total), 16)} 元`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}

/** commander collector for the repeatable --anchor. */
function collectAnchor(text: string, all: AuditAnchor[]): AuditAnchor[] {
  const a = parseAnchor(text);
  if (!a) throw new ApiError(422, 'INVALID_ANCHOR', `--anchor 应为 序号:哈希（如 8:${'0'.repeat(64)}，即 verify-log 打印的末条），收到 “${text}”`);
  return [...all, a];
}

const PROBLEM_LABELS: Record<string, string> = {
  'anchor-mismatch': '与另行记录的哈希不符',
  'anchor-missing': '另行记录的条目已不存在',
  'unsealed-stale': '长时间未封存',
  edited: '被修改',
  removed: '被删除',
  inserted: '被插入',
  renumbered: '序号被改',
  'broken-link': '链条断开',
  'missing-entry': '缺少记录',
  'orphan-entry': '无对应数据',
};
