// The Chinese names the pages use for the API's English identifiers.

// The server's labels, one definition for the pages, the slip and the CLI (scripts/shared-labels.mjs).
import * as shared from './shared/labels.js';

/** The five layers (五道保障), in the order they pay. */
export const FUNDS = [
  { id: 'basic', name: '基本医保', short: '医保', color: '#2f6f9f' },
  { id: 'seriousIllness', name: '大病保险', short: '大病', color: '#4f8f6f' },
  { id: 'commercial', name: '商业补充保险', short: '商保', color: '#b07a2a' },
  { id: 'assistance', name: '医疗救助', short: '救助', color: '#7a5aa6' },
  { id: 'backstop', name: '政府兜底', short: '兜底', color: '#b0474c' },
];
export const PATIENT_COLOR = '#5b6470';

export function fundName(id) {
  return FUNDS.find((f) => f.id === id)?.name ?? id;
}
export function fundColor(id, i = 0) {
  return FUNDS.find((f) => f.id === id)?.color ?? ['#3d7ea6', '#8a6d3b', '#5f8f4f', '#9b5094'][i % 4];
}

/** The four buckets of a bill (SETTLEMENT.md §2). */
export const BUCKETS = [
  { id: 'inPolicy', name: '政策范围内', hint: '甲类及乙类扣除先行自付后的部分，各道保障按此报销' },
  { id: 'preSelfPay', name: '乙类先行自付', hint: '乙类项目按先行自付比例由个人先付的部分' },
  { id: 'overLimit', name: '超限价自费', hint: '单价超过限价的部分' },
  { id: 'outOfCatalog', name: '目录外全自费', hint: '丙类（目录外）项目' },
];

export const VISIT_TYPES = shared.VISIT_LABELS;
export function visitTypeName(id) {
  return VISIT_TYPES[id] ?? id;
}

export const KINDS = shared.KIND_LABELS;

export const POPULATIONS = shared.POPULATION_LABELS;

export const TIERS = shared.TIER_LABELS;

export const STATUS = shared.STATUS_LABELS;

export const ROLES = {
  window: { name: '结算窗口', home: '/window' },
  auditor: { name: '医保局稽核', home: '/audit' },
  finance: { name: '财政测算', home: '/model' },
  office: { name: '医保经办', home: '/office' },
  admin: { name: '管理员', home: '/window' },
};

/** The pages and which roles see them. */
export const PAGES = [
  { id: 'window', path: '/window', name: '结算窗口', roles: ['window', 'admin'] },
  { id: 'office', path: '/office', name: '经办结算', roles: ['office', 'admin'] },
  { id: 'audit', path: '/audit', name: '稽核', roles: ['auditor', 'admin'] },
  { id: 'model', path: '/model', name: '测算', roles: ['finance', 'admin'] },
  { id: 'register', path: '/register', name: '登记库导入', roles: ['admin'] },
];

/** Who an office settlement pays (收款方). */
export const PAYEES = { hospital: '医院', patient: '参保人本人' };

/** The applicant to the patient, as an office application names it (free text; these are offered). */
export const RELATIONS = ['本人', '配偶', '子女', '父母', '兄弟姐妹', '其他亲属'];

/** Documents an office commonly sees before it settles (free text; these are offered). */
export const DOCUMENTS = ['异地就医结算单', '住院发票', '出院小结', '费用明细清单', '诊断证明', '身份证复印件', '银行卡复印件'];

/** The province-level regions (省级行政区划代码), for a hospital outside the register. */
export const PROVINCES = {
  110000: '北京市', 120000: '天津市', 130000: '河北省', 140000: '山西省', 150000: '内蒙古自治区',
  210000: '辽宁省', 220000: '吉林省', 230000: '黑龙江省', 310000: '上海市', 320000: '江苏省',
  330000: '浙江省', 340000: '安徽省', 350000: '福建省', 360000: '江西省', 370000: '山东省',
  410000: '河南省', 420000: '湖北省', 430000: '湖南省', 440000: '广东省', 450000: '广西壮族自治区',
  460000: '海南省', 500000: '重庆市', 510000: '四川省', 520000: '贵州省', 530000: '云南省',
  540000: '西藏自治区', 610000: '陕西省', 620000: '甘肃省', 630000: '青海省', 640000: '宁夏回族自治区',
  650000: '新疆维吾尔自治区',
};

export const CLASSES = shared.CLASS_LABELS;

export const LIMITED_BY = shared.LIMITED_BY_LABELS;

/** The kinds of a receivables row: a settlement, the reversal that takes it back, an adjustment (应补应退). */
export const RECEIVABLE_KINDS = { settlement: '结算', reversal: '撤销冲回', adjustment: '应补应退' };

/**
 * The year-to-date accumulators of a person, by key: a step's own id, or the key it shares (serious).
 * One for each step of the rules files shipped in rules/.
 */
export const ACCUMULATORS = {
  basic: '基本医保',
  serious: '大病保险',
  commercial: '商业补充保险',
  assistance: '医疗救助',
  floor: '政府兜底（保底）',
  oop: '个人自付（兜底封顶用）',
  countyFund: '县医疗保障基金',
  chronicBasic: '基本医保（门诊特慢性病）',
  chronicCountyFund: '县医疗保障基金（慢性病用药）',
  chronicFloor: '医疗救助（慢性病保底）',
  poolingBasic: '基本医保（门诊统筹）',
  observationBasic: '基本医保（门诊观察）',
  sickbed: '基本医保（家庭病床）',
  packageBasic: '基本医保（签约服务包）',
  packageAssistance: '医疗救助（签约服务包）',
};
export function accumulatorName(key, steps = []) {
  return ACCUMULATORS[key] ?? steps.find((s) => s.id === key)?.name ?? key;
}

/** What an accumulator holds. */
export const ACC_FIELDS = shared.ACCUMULATOR_FIELD_LABELS;

/** The fields of a rules file's step, as the server's labels name them (src/labels/labels.ts). */
export const STEP_FIELDS = shared.STEP_FIELD_LABELS;
export function stepFieldName(field) {
  return STEP_FIELDS[field] ?? field;
}

/** Words a rules file uses as values (a base, a denominator, a scope), as people say them. */
export const RULE_VALUES = {
  inPolicy: '政策范围内费用',
  total: '医疗费用总额',
  all: '全部费用',
  year: '按年度累计',
  visit: '按次',
};
/** A rules file's value for people: numbers as they are, yes / no, known words in Chinese. */
export function ruleValueName(v) {
  if (v === true) return '是';
  if (v === false) return '否';
  const s = String(v);
  return RULE_VALUES[s] ?? ACCUMULATORS[s] ?? POPULATIONS[s] ?? s;
}
