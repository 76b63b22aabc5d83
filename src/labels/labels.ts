/**
 * Chinese labels for what people read (trace sentences, the slip, CSV headers, CLI summaries, the
 * model's reports), one table each.
 * Codes stay English in the API; these are only for display.
 */

/** The short name of each layer of cover, as a patient hears it at the window. */
export const FUND_LABELS: Readonly<Record<string, string>> = {
  basic: '基本医保',
  seriousIllness: '大病保险',
  commercial: '商业补充保险',
  assistance: '医疗救助',
  backstop: '政府兜底',
};

/** The order the five layers are told in (第一道 … 第五道); other funds follow in the order they appear. */
export const FUND_ORDER: readonly string[] = ['basic', 'seriousIllness', 'commercial', 'assistance', 'backstop'];

export function fundLabel(fund: string, fallback?: string): string {
  return FUND_LABELS[fund] ?? fallback ?? fund;
}

export const VISIT_LABELS: Readonly<Record<string, string>> = {
  inpatient: '住院',
  chronicOutpatient: '门诊特慢性病',
  outpatientPooling: '门诊统筹',
  outpatientObservation: '门诊观察',
  homeSickbed: '家庭病床',
  familyDoctorPackage: '家庭医生签约服务包',
};

export function visitLabel(type: string): string {
  return VISIT_LABELS[type] ?? type;
}

export const TIER_LABELS: Readonly<Record<string, string>> = {
  township: '苏木乡镇卫生院',
  county: '旗县级医院',
  league: '盟市级医院',
  province: '自治区级医院',
  outOfProvince: '区外医院',
};

export function tierLabel(tier: string): string {
  return TIER_LABELS[tier] ?? tier;
}

export const POPULATION_LABELS: Readonly<Record<string, string>> = {
  poverty: '建档立卡贫困人口',
  resident: '城乡居民',
};

export function populationLabel(p: string): string {
  return POPULATION_LABELS[p] ?? p;
}

/**
 * The fields of a rules file's step (SETTLEMENT.md §6), as the audit's estimates, a what-if's changes
 * and the rules checker name them.
 */
export const STEP_FIELD_LABELS: Readonly<Record<string, string>> = {
  id: '步骤编号',
  name: '名称',
  fund: '支付基金',
  kind: '计算方式',
  base: '计算基数',
  scope: '分段累计范围',
  deductible: '起付线',
  perVisit: '每次起付线',
  annual: '年度起付线',
  ratio: '报销比例',
  segments: '分段报销比例',
  upTo: '分段上限',
  visitCap: '单次支付上限',
  annualCap: '年度封顶线',
  ceiling: '实际报销比例上限',
  denominator: '比例的分母',
  adjust: '人群倾斜',
  deductibleFactor: '起付线系数',
  ratioBonus: '报销比例提高',
  floor: '保底比例',
  cap: '年度自付封顶额',
  only: '适用人群',
  when: '诊断条件',
  diagnoses: '诊断编码',
  anyDiagnosis: '任一诊断即可',
  accumulator: '累计项',
  aboveDeductibleOf: '起付线分界',
  source: '依据',
  clause: '依据原文',
  cite: '各字段的依据',
  estimates: '估计值',
  note: '说明',
};

/** The top-level fields of a rules file. */
export const RULES_FIELD_LABELS: Readonly<Record<string, string>> = {
  id: '规则编号',
  title: '标题',
  region: '地区',
  effective: '有效期',
  from: '起',
  to: '止',
  sources: '依据文件',
  tiers: '医院等级',
  populations: '人群',
  visits: '就诊类型',
  notes: '说明',
  name: '名称',
  code: '代码',
};

/** What a year-to-date accumulator holds (SETTLEMENT.md §5). */
export const ACCUMULATOR_FIELD_LABELS: Readonly<Record<string, string>> = {
  paid: '已支付',
  cumulative: '累计合规费用',
  deductibleMet: '已计入起付线',
};

/** The kind of a step, as a sentence names it. */
export const KIND_LABELS: Readonly<Record<string, string>> = {
  coinsurance: '按比例报销',
  segmented: '分段累进报销',
  floor: '保底补足',
  outOfPocketCap: '自付封顶',
};

/** The four buckets of a bill (SETTLEMENT.md §2). */
export const BUCKET_LABELS: Readonly<Record<string, string>> = {
  inPolicy: '政策范围内',
  preSelfPay: '乙类先行自付',
  overLimit: '超限价自费',
  outOfCatalog: '目录外全自费',
};

/** Why a step paid less than its formula gives. */
export const LIMITED_BY_LABELS: Readonly<Record<string, string>> = {
  visitCap: '已达单次支付上限',
  annualCap: '已达年度封顶线',
  ceiling: '已达实际报销比例上限',
  remaining: '已付至剩余费用为止',
};

/** The catalogue class of an item. */
export const CLASS_LABELS: Readonly<Record<string, string>> = { A: '甲类', B: '乙类', C: '丙类' };

/** The label of `key` in `map`, or the key itself when it has none. */
export function labelOf(map: Readonly<Record<string, string>>, key: string): string {
  return Object.prototype.hasOwnProperty.call(map, key) ? map[key]! : key;
}

/** Who a key belongs to (`onestop keys`, the pages' header). */
export const ROLE_LABELS: Readonly<Record<string, string>> = {
  window: '结算窗口',
  office: '医保经办',
  auditor: '医保局稽核',
  finance: '财政测算',
  admin: '管理员',
};

export const STATUS_LABELS: Readonly<Record<string, string>> = { settled: '已结算', reversed: '已撤销' };

export function statusLabel(s: string): string {
  return STATUS_LABELS[s] ?? s;
}

/**
 * A UTC ISO timestamp as Beijing time (UTC+8, no daylight saving), "2018-11-12 09:30:05".
 * Done by hand so the output never depends on the host's time zone or ICU data.
 */
export function beijingTime(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return new Date(t + 8 * 3600 * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

/** Days between two ISO dates, counted as hospitals count a stay (discharge day not counted, at least 1). */
export function stayDays(admitted: string, discharged: string): number {
  const d = Math.round((Date.parse(`${discharged}T00:00:00Z`) - Date.parse(`${admitted}T00:00:00Z`)) / 86400000);
  return Math.max(1, d);
}
