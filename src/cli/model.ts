/**
 * CLI: `onestop model` (fund-needs modelling) and `onestop synth` (a synthetic population), issue 5.
 *
 *   onestop model --rules FILE_OR_ID (--bills FILE | --from-store --year Y) [--what-if FILE]
 *                 [--weights COLUMN] [--growth cost=1.06,admissions=1.03] [--out DIR] [--json]
 *   onestop synth --admissions N --year Y --seed S [--format csv|jsonl] [--out FILE] [parameters]
 *
 * `model` prints a Chinese summary (or, with --json, the report JSON) and, with --out, writes
 * report.json, report.csv and report.html there. A progress bar appears on standard error when a run
 * takes more than a second (never with --json).
 */
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { OptionError, parseGrowthSpec } from '../model/input/growth.js';
import { formatOfFile, type InputFormat, type ModelSource } from '../model/input/sources.js';
import { DEFAULT_DIAGNOSES, DEFAULT_SYNTH, checkSynthParams, writeSynth, type ClassMix, type SynthParams } from '../model/input/synth.js';
import { applyWhatIf, loadWhatIfFile } from '../model/input/whatif.js';
import { reportCsv } from '../model/report/csv.js';
import { reportHtml } from '../model/report/html.js';
import type { ModelReport } from '../model/report/report.js';
import { runModel, type Execution, type Progress } from '../model/run/runner.js';
import { percentHalfUp, quotientHalfUp } from '../money/rounding.js';
import { formatScaled, formatYuan, parseRatio, parseScaled } from '../money/text.js';
import { resolveRuleset } from '../rules/resolve.js';
import { ApiError } from '../errors/api-error.js';

/** A usage mistake: main() prints it and exits 1. */
function usage(message: string): never {
  throw new ApiError(400, 'INVALID_OPTION', message);
}

/** report.json, report.csv and report.html in a directory (created if needed). */
export function writeReportFiles(report: ModelReport, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const files = [join(dir, 'report.json'), join(dir, 'report.csv'), join(dir, 'report.html')];
  writeFileSync(files[0]!, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(files[1]!, reportCsv(report));
  writeFileSync(files[2]!, reportHtml(report));
  return files;
}

/** A ratio as a percentage with exactly two decimals ("0.83" → "83.00%"), half-up (money/rounding.ts percentHalfUp). */
function percent(ratio: string): string {
  return `${formatScaled(percentHalfUp(parseRatio(ratio)), 2, 2)}%`;
}

/** A difference of two ratios in percentage points, two decimals ("0.0174" → "1.74 个百分点"). */
function points(ratioDifference: string): string {
  return `${formatScaled(percentHalfUp(parseRatio(ratioDifference)), 2, 2)} 个百分点`;
}

/**
 * A count of admissions as people read it: whole admissions with thousands separators. The report's
 * counts carry two decimals when weights or growth make them fractional (66755.33 admissions); here they
 * are rounded half-up to a whole admission (money/rounding.ts quotientHalfUp), and the table says so.
 */
function wholeCount(n: number): bigint {
  return quotientHalfUp(parseScaled(String(n), 2), 100n, 0);
}
const countText = (c: bigint) => c.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** The run's headline figures as a plain-text table, in Chinese. */
export function summaryText(r: ModelReport): string {
  const v = r.variant ?? undefined;
  const d = r.difference;
  const rows: [string, string, string?, string?][] = [];
  const money = (name: string, b: string, vv?: string, dd?: string) => rows.push([name, formatYuan(b), vv && formatYuan(vv), dd && formatYuan(dd)]);
  money('医疗总费用', r.baseline.total, v?.total, d?.total);
  for (const f of Object.keys(r.baseline.funds)) money(r.labels.funds[f] ?? f, r.baseline.funds[f]!, v?.funds[f], d?.funds[f]);
  money('基金支付合计', r.baseline.fundPaysTotal, v?.fundPaysTotal, d?.fundPaysTotal);
  money('个人自付', r.baseline.patientPays, v?.patientPays, d?.patientPays);
  rows.push(['实际报销比例', percent(r.baseline.actualRatio), v && percent(v.actualRatio), d && points(d.actualRatio)]);
  rows.push(['自付均值/人次', r.baseline.patient.mean ? formatYuan(r.baseline.patient.mean) : '—', v?.patient.mean ? formatYuan(v.patient.mean) : v && '—', d?.patient.mean ? formatYuan(d.patient.mean) : d && '—']);
  rows.push(['自付P95/人次', r.baseline.patient.p95 ? formatYuan(r.baseline.patient.p95) : '—', v?.patient.p95 ? formatYuan(v.patient.p95) : v && '—', d?.patient.p95 ? formatYuan(d.patient.p95) : d && '—']);
  // Counts: whole admissions, and the difference of the whole counts shown (so the columns subtract).
  const counts = (name: string, b: number, vv?: number) => {
    const bc = wholeCount(b);
    const vc = vv === undefined ? undefined : wholeCount(vv);
    rows.push([name, countText(bc), vc === undefined ? undefined : countText(vc), vc === undefined ? undefined : countText(vc - bc)]);
  };
  counts('保底步骤人次', r.baseline.floorPaidAdmissions, v?.floorPaidAdmissions);
  counts('自付封顶步骤人次', r.baseline.capPaidAdmissions, v?.capPaidAdmissions);
  const head: [string, string, string?, string?] = ['', '基线', v ? '测算方案' : undefined, v ? '差额' : undefined];
  // East Asian characters are two columns wide in a terminal.
  const width = (s: string) => [...s].reduce((n, c) => n + (/[\u3000-\u9fff\uff00-\uffef]/.test(c) ? 2 : 1), 0);
  const cols = [head, ...rows].reduce((w, row) => row.map((c, i) => Math.max(w[i] ?? 0, width(c ?? ''))), [] as number[]);
  const pad = (s: string, i: number) => (i === 0 ? s + ' '.repeat(cols[i]! - width(s)) : ' '.repeat(cols[i]! - width(s)) + s);
  const lines = [head, ...rows].map((row) => row.filter((c) => c !== undefined).map((c, i) => pad(c!, i)).join('  '));
  const title = `基金需求测算：${r.rulesetTitle}（${r.rulesetId}）${r.whatIf ? `；测算方案：${r.whatIf.label}` : ''}`;
  const scaled = r.weights || r.growth;
  const how = [r.weights ? `按权重列“${r.weights}”` : '', r.growth ? `按增长系数（费用 ×${r.growth.cost}，人次 ×${r.growth.admissions}）` : ''].filter(Boolean).join('、');
  const info = `记录 ${countText(BigInt(r.admissions))} 条${scaled ? `；${how}折算为 ${countText(wholeCount(r.weightedAdmissions))} 人次` : ''}`;
  const out = [title, info, ...lines];
  if (scaled) out.push('注：折算后的人次（及保底、封顶步骤人次）四舍五入到整数显示；两位小数的值见 --json 或 --out 写出的报告。');
  return out.join('\n');
}

/** A progress bar on standard error, shown only once the run has taken a second. */
function progressBar(enabled: boolean) {
  let bar: cliProgress.SingleBar | null = null;
  let last: Progress | null = null;
  const started = Date.now();
  const show = () => {
    if (!enabled || bar || !last || Date.now() - started < 1000) return;
    bar = new cliProgress.SingleBar(
      { format: '测算进度 |{bar}| {percentage}% | 已结算 {rows} 人次 | {duration}s', stream: process.stderr, hideCursor: true, clearOnComplete: true },
      cliProgress.Presets.shades_classic,
    );
    bar.start(100, 0, { rows: 0 });
  };
  const timer = setInterval(() => {
    show();
    if (bar && last) {
      // Rows settled of all rows when the count is known; otherwise the share of the file read, scaled
      // by how much of what was read is settled.
      const fraction = last.totalRows ? last.rows / last.totalRows : last.totalBytes && last.readRows ? ((last.bytes ?? 0) / last.totalBytes) * (last.rows / last.readRows) : 0;
      bar.update(Math.min(99, Math.floor(fraction * 100)), { rows: last.rows });
    }
  }, 200);
  timer.unref();
  return {
    update: (p: Progress) => {
      last = p;
    },
    stop: () => {
      clearInterval(timer);
      if (bar) {
        (bar as cliProgress.SingleBar).update(100, { rows: last?.rows ?? 0 });
        (bar as cliProgress.SingleBar).stop();
      }
    },
  };
}

interface ModelOptions {
  rules: string;
  bills?: string;
  format?: string;
  fromStore?: boolean;
  year?: string;
  whatIf?: string;
  weights?: string;
  growth?: string;
  out?: string;
  workers?: string;
  json?: boolean;
}

async function modelAction(o: ModelOptions): Promise<void> {
  if (!o.bills === !o.fromStore) usage('请给出 --bills 文件，或 --from-store --year 年份（二者取一）');
  if (o.fromStore && !o.year) usage('--from-store 需要 --year，例如 --year 2018');
  if (o.year && !/^\d{4}$/.test(o.year)) usage(`--year 应为四位年份（收到 “${o.year}”）`);
  if (o.format && o.format !== 'csv' && o.format !== 'jsonl') usage(`--format 应为 csv 或 jsonl（收到 “${o.format}”）`);
  if (o.fromStore && o.weights) usage('从本系统账单测算时没有权重列，不能用 --weights');
  let workers: number | undefined;
  if (o.workers !== undefined) {
    if (!/^\d+$/.test(o.workers)) usage(`--workers 应为非负整数（收到 “${o.workers}”）`);
    workers = Number(o.workers);
  }
  let growth;
  try {
    growth = o.growth ? parseGrowthSpec(o.growth) : null;
  } catch (e) {
    if (e instanceof OptionError) usage(e.message);
    throw e;
  }

  // Everything is checked before anything runs: rules, then every what-if path.
  const rules = resolveRuleset(o.rules);
  const variant = o.whatIf ? applyWhatIf(rules, loadWhatIfFile(o.whatIf), o.whatIf.split(/[\\/]/).pop()!) : null;

  let source: ModelSource;
  let close = async () => {};
  if (o.fromStore) {
    const { boot } = await import('../app/boot.js');
    const { store } = await boot();
    close = () => store.close();
    source = { kind: 'store', store, year: Number(o.year) };
  } else if (o.bills === '-') {
    if (!o.format) usage('从标准输入读取时请用 --format csv 或 --format jsonl 指明格式');
    source = { kind: 'stream', stream: process.stdin, format: o.format as InputFormat, name: 'stdin' };
  } else {
    source = { kind: 'file', path: o.bills!, format: (o.format as InputFormat | undefined) ?? formatOfFile(o.bills!) };
  }

  const bar = progressBar(!o.json);
  let result: { report: ModelReport; execution: Execution };
  try {
    result = await runModel({ rules, variant, source, weights: o.weights ?? null, growth, workers, onProgress: bar.update });
  } finally {
    bar.stop();
    await close();
  }
  const { report, execution } = result;
  const files = o.out ? writeReportFiles(report, o.out) : [];
  if (o.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else {
    process.stdout.write(`${summaryText(report)}\n`);
    if (files.length) process.stdout.write(`报告已写入：${files.join('、')}\n`);
  }
  if (!o.json) {
    process.stderr.write(`用时 ${execution.seconds.toFixed(1)} 秒，${execution.mode === 'threads' ? `${execution.workers} 个工作线程` : '主线程（未找到已编译的工作线程，或 --workers 0）'}\n`);
  }
}

/** `a=1,b=2` → { a: 1, b: 2 } (numbers). */
function keyValues(spec: string, option: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([A-Za-z][A-Za-z0-9_-]*)\s*=\s*([0-9]*\.?[0-9]+)$/.exec(part);
    if (!m) usage(`${option} 的写法应为 名称=数值,名称=数值（收到 “${part}”）`);
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

function positiveNumber(v: string, option: string, integer = false): number {
  const n = Number(v);
  if (!/^-?[0-9]*\.?[0-9]+$/.test(v) || (integer && !Number.isInteger(n))) usage(`${option} 应为${integer ? '整数' : '数值'}（收到 “${v}”）`);
  return n;
}

interface SynthOptions {
  admissions: string;
  year: string;
  seed: string;
  format?: string;
  out?: string;
  params?: string;
  tierMix?: string;
  median?: string;
  spread?: string;
  classMix?: string;
  classJitter?: string;
  populations?: string;
  admissionsPerPerson?: string;
  visitType?: string;
  exactTierCounts?: boolean;
  prefix?: string;
  diagnoses?: string;
}

/** --diagnoses: `default`, or ICD-10 code shares "I63.900=0.12,J18.900=0.1". */
function diagnosisShares(spec: string): Record<string, number> {
  if (spec.trim() === 'default') return { ...DEFAULT_DIAGNOSES };
  const out: Record<string, number> = {};
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^([A-Z][0-9]+(?:\.[0-9x]+)?)\s*=\s*([0-9]*\.?[0-9]+)$/.exec(part);
    if (!m) usage(`--diagnoses 的写法应为 default，或 诊断编码=比例,诊断编码=比例，如 I63.900=0.12,J18.900=0.1（收到 “${part}”）`);
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

/** Defaults, then a --params JSON file, then the flags. */
export function synthParamsFromOptions(o: SynthOptions): SynthParams {
  let p: SynthParams = structuredClone(DEFAULT_SYNTH);
  if (o.params) {
    const file = JSON.parse(readFileSync(o.params, 'utf8')) as Partial<SynthParams>;
    p = { ...p, ...file, stay: { ...p.stay, ...(file.stay ?? {}) }, classMix: { ...p.classMix, ...(file.classMix ?? {}) } };
  }
  p.admissions = positiveNumber(o.admissions, '--admissions', true);
  p.year = positiveNumber(o.year, '--year', true);
  p.seed = positiveNumber(o.seed, '--seed', true);
  if (o.tierMix) {
    const mix = keyValues(o.tierMix, '--tier-mix');
    const tiers: SynthParams['tiers'] = {};
    for (const [t, share] of Object.entries(mix)) {
      const known = p.tiers[t] ?? DEFAULT_SYNTH.tiers[t];
      tiers[t] = { median: known?.median ?? Number.NaN, spread: known?.spread ?? 0.6, ...(known?.classMix ? { classMix: known.classMix } : {}), share };
    }
    p.tiers = tiers;
  }
  if (o.median) for (const [t, m] of Object.entries(keyValues(o.median, '--median'))) p.tiers[t] = { share: 0, spread: 0.6, ...p.tiers[t], median: m };
  if (o.spread) {
    if (/^[0-9.]+$/.test(o.spread)) for (const t of Object.values(p.tiers)) t.spread = Number(o.spread);
    else for (const [t, s] of Object.entries(keyValues(o.spread, '--spread'))) if (p.tiers[t]) p.tiers[t]!.spread = s;
  }
  for (const [t, v] of Object.entries(p.tiers)) if (!(v.median > 0)) usage(`医院等级 ${t} 没有费用中位数：请用 --median ${t}=金额 给出`);
  if (o.classMix) p.classMix = { ...p.classMix, ...(keyValues(o.classMix, '--class-mix') as Partial<ClassMix>) };
  if (o.classJitter !== undefined) p.classJitter = positiveNumber(o.classJitter, '--class-jitter');
  if (o.populations) p.populations = keyValues(o.populations, '--populations');
  if (o.admissionsPerPerson !== undefined) p.admissionsPerPerson = positiveNumber(o.admissionsPerPerson, '--admissions-per-person');
  if (o.visitType) p.visitType = o.visitType;
  if (o.exactTierCounts) p.exactTierCounts = true;
  if (o.prefix) p.prefix = o.prefix;
  if (o.diagnoses) p.diagnoses = diagnosisShares(o.diagnoses);
  const problems = checkSynthParams(p);
  if (problems.length) usage(`参数有误：${problems.join('；')}`);
  return p;
}

async function synthAction(o: SynthOptions): Promise<void> {
  const params = synthParamsFromOptions(o);
  const format = (o.format ?? (o.out && /\.jsonl?$|\.ndjson$/i.test(o.out) ? 'jsonl' : 'csv')) as 'csv' | 'jsonl';
  if (format !== 'csv' && format !== 'jsonl') usage(`--format 应为 csv 或 jsonl（收到 “${String(o.format)}”）`);
  const out = o.out ? createWriteStream(o.out) : process.stdout;
  const n = await writeSynth(params, format, out);
  if (o.out) {
    out.end();
    await finished(out);
    process.stderr.write(`已生成 ${n.toLocaleString('en-US')} 条就诊记录：${o.out}\n`);
  }
}

export function registerModelCommands(program: Command): void {
  program
    .command('model')
    .description('基金需求测算：用与结算窗口相同的计算，按一套规则（可加测算方案）结算一年的就诊，按基金、人群、医院等级和月份汇总')
    .requiredOption('--rules <fileOrId>', '规则文件（YAML 或 JSON），或规则目录（ONESTOP_RULES，默认 rules/）中的规则 id')
    .option('--bills <file>', '就诊数据：CSV（每行一次就诊）或 JSONL（每行一张账单或一条就诊记录）；- 表示标准输入')
    .option('--format <csv|jsonl>', '输入格式（文件扩展名看不出时）')
    .option('--from-store', '改用库中（ONESTOP_DB）已结算的账单，需同时给出 --year')
    .option('--year <year>', '与 --from-store 同用：出院年度')
    .option('--what-if <file>', '测算方案：YAML 或 JSON 的“规则路径: 新值”，如 visits.inpatient.floor.floor: 0.95；可用 label: 为方案命名')
    .option('--weights <column>', '权重列（CSV 的列或 JSON 的字段），每行按其值计入报告')
    .option('--growth <spec>', '推算下一年：cost=1.06 在结算前把每笔金额乘以系数，admissions=1.03 把人次和合计乘以系数')
    .option('--out <dir>', '把 report.json、report.csv 和 report.html 写到此目录')
    .option('--workers <n>', '工作线程数（默认：全部 CPU 核；0 表示在主线程中计算）')
    .option('--json', '在标准输出打印报告 JSON（不显示进度条和摘要）')
    .action(modelAction);

  program
    .command('synth')
    .description('生成一批模拟就诊（同一 --seed 总得到同一文件），供还没有账单导出的地方测算')
    .requiredOption('--admissions <n>', '就诊人次')
    .requiredOption('--year <year>', '出院年度')
    .requiredOption('--seed <seed>', '随机种子（整数）：种子相同，文件相同')
    .option('--format <csv|jsonl>', 'csv（按四类费用的行，默认）或 jsonl（带四类费用的账单）')
    .option('--out <file>', '写到文件，而不是标准输出')
    .option('--params <file>', '参数 JSON 文件（tiers、classMix、populations 等，见 docs/model.md）')
    .option('--tier-mix <spec>', '各级医院的人次占比，如 township=0.3,county=0.45,league=0.15,province=0.07,outOfProvince=0.03')
    .option('--median <spec>', '各级医院的费用中位数（元），如 county=5500,league=14000')
    .option('--spread <spec>', '费用对数的标准差 σ：一个数用于所有等级，或按等级 county=0.6')
    .option('--class-mix <spec>', '四类费用占总费用的比例，如 outOfCatalog=0.08,overLimit=0.02,preSelfPay=0.05')
    .option('--class-jitter <x>', '每次就诊四类费用比例的相对波动（0 至 1）')
    .option('--populations <spec>', '人群占比，如 poverty=0.65,resident=0.35')
    .option('--admissions-per-person <x>', 'λ ≥ 1：人数为 人次/λ，每人的就诊次数服从参数为 λ 的泊松分布，没有就诊的人不计入，故文件中平均每人 λ/(1−e^−λ) 次（1.3 → 1.8）')
    .option('--visit-type <type>', '每次就诊的就诊类型（默认 inpatient 住院）')
    .option('--exact-tier-counts', '各级医院的人次严格按占比分配')
    .option('--prefix <text>', '账单号和参保人编号的前缀（默认 SY）')
    .option('--diagnoses <spec>', '为每次就诊抽取主要诊断：default（一个盟市的病种构成，见 docs/model.md），或 ICD-10 编码占比 I63.900=0.12,J18.900=0.1')
    .action(synthAction);
}
