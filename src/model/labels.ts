/** Chinese labels for what finance officers read in the model's reports. */

/** The layers of cover are named as the window and the slip name them. */
export { FUND_LABELS } from '../audit/labels.js';

export const TIER_LABELS: Readonly<Record<string, string>> = {
  township: '乡镇卫生院',
  county: '县级医院',
  league: '盟市级医院',
  province: '自治区级医院',
  outOfProvince: '区外医院',
};

export const POPULATION_LABELS: Readonly<Record<string, string>> = {
  poverty: '建档立卡贫困人口',
  resident: '普通城乡居民',
};

export const VISIT_LABELS: Readonly<Record<string, string>> = {
  inpatient: '住院',
  chronicOutpatient: '慢性病门诊',
  outpatientPooling: '门诊统筹',
  homeSickbed: '家庭病床',
  familyDoctorPackage: '签约服务包',
};

export function label(map: Readonly<Record<string, string>>, key: string): string {
  return Object.prototype.hasOwnProperty.call(map, key) ? map[key]! : key;
}
