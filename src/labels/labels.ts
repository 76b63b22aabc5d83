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

/** The label of `key` in `map`, or the key itself when it has none. */
export function labelOf(map: Readonly<Record<string, string>>, key: string): string {
  return Object.prototype.hasOwnProperty.call(map, key) ? map[key]! : key;
}

/** Who a key belongs to (`onestop keys`, the pages' header). */
export const ROLE_LABELS: Readonly<Record<string, string>> = {
  window: '结算窗口',
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
