/**
 * A settlement in the shape of the NHSA medical-insurance information platform's settlement answer
 * (医疗保障信息平台 结算信息 setlinfo + 结算基金分项 setldetail), so a hospital's HIS or a provincial
 * platform can take our numbers without a mapping of its own. Amounts are strings with two decimals.
 *
 *   medfee_sumamt      医疗费总额            = total
 *   fulamt_ownpay_amt  全自费金额            = buckets.outOfCatalog
 *   overlmt_selfpay    超限价自费费用        = buckets.overLimit
 *   preselfpay_amt     先行自付金额          = buckets.preSelfPay
 *   inscp_scp_amt      符合政策范围金额      = buckets.inPolicy
 *   act_pay_dedc       实际支付起付线        = deductible applied by the basic-insurance step(s)
 *   hifp_pay           基本医疗保险统筹基金支出 = funds.basic
 *   hifmi_pay          居民大病保险资金支出  = funds.seriousIllness
 *   maf_pay            医疗救助基金支出      = funds.assistance
 *   oth_pay            其他支出              = every other fund (commercial, backstop, any local fund)
 *   fund_pay_sumamt    基金支付总额          = fundPaysTotal
 *   psn_part_amt       个人负担总金额        = patientPays
 *   psn_cash_pay       个人现金支出          = patientPays (城乡居民 have no personal account: acct_pay 0)
 *
 * setldetail has one entry per fund of the settlement (also a fund that ran and paid 0.00), with the
 * region's fund code (fund-codes.ts) and, in setl_proc_info, the plain sentences of that fund's steps.
 */
import type { SettlementJson } from '../engine/result.js';
import { unitsHalfUp } from '../money/rounding.js';
import { formatUnits, parseUnits } from '../money/text.js';
import type { Units } from '../money/units.js';
import { fundCode, fundCodesFor } from './fund-codes.js';
import { beijingTime } from '../labels/labels.js';

const SEPARATE = new Set(['basic', 'seriousIllness', 'assistance']);

export interface NhsaSettlement {
  setlinfo: Record<string, string>;
  setldetail: { fund_pay_type: string; fund_pay_type_name: string; fund_payamt: string; setl_proc_info: string; fund: string; owed_payamt?: string }[];
  /**
   * onestop extension: the adjustments (应补应退) later reversals made to this settlement, each as the
   * change per fund (fund_pay_type and its amount, negative when the fund pays back) and for the patient.
   */
  /** onestop extension: the catalogue version the settlement applied (null: none for the region) and its 目录外 item codes. */
  catalogue?: { version: string | null; out_of_catalogue: string[] };
  adjustments?: { adj_id: string; adj_time: string; reversal_of: string; psn_part_amt: string; fund_pay_sumamt: string; detail: { fund_pay_type: string; fund_pay_type_name: string; fund_payamt: string; fund: string }[]; notice: string }[];
}

/** An amount as the NHSA fields write it: two decimals, half-up to the fen (money/rounding.ts). */
const amt = (x: Units | string) => formatUnits(unitsHalfUp(typeof x === 'bigint' ? x : parseUnits(x)));
const sum = (xs: Units[]) => xs.reduce((a, b) => a + b, 0n);

export function toNhsa(input: {
  id: string;
  status: 'settled' | 'reversed';
  billNo: string;
  person: { id: string; name: string; idNumber: string };
  hospital: { code: string; name: string; regionCode: string };
  visit: { type: string; admitted: string; discharged: string };
  createdAt: string;
  result: SettlementJson;
  /** The plain sentence of each step, in the order of result.steps. */
  sentences: string[];
  /** Its adjustments (settle/adjustments.ts AdjustmentView), oldest first. */
  adjustments?: { id: string; at: string; reversalOf: string; funds: Record<string, string>; fundPaysTotal: string; patientPays: string; notice: string }[];
  /** settlements.catalogue_json, when the settlement has one. */
  catalogueJson?: string | null;
}): NhsaSettlement {
  const r = input.result;
  const codes = fundCodesFor(input.hospital.regionCode);
  const fund = (f: string) => parseUnits(r.funds[f] ?? '0');
  const other = sum(Object.entries(r.funds).filter(([f]) => !SEPARATE.has(f)).map(([, v]) => parseUnits(v)));
  const basicDeductible = sum(r.steps.filter((s) => s.fund === 'basic' && s.deductible !== null).map((s) => parseUnits(s.deductible!)));
  const medType = codes.medTypes[input.visit.type];

  const setlinfo: Record<string, string> = {
    setl_id: input.id,
    mdtrt_id: input.billNo,
    psn_no: input.person.id,
    psn_name: input.person.name,
    certno: input.person.idNumber,
    insutype: '390',
    ...(medType ? { med_type: medType } : {}),
    begndate: input.visit.admitted,
    enddate: input.visit.discharged,
    setl_time: beijingTime(input.createdAt),
    fixmedins_code: input.hospital.code,
    fixmedins_name: input.hospital.name,
    medfee_sumamt: amt(r.total),
    fulamt_ownpay_amt: amt(r.buckets.outOfCatalog),
    overlmt_selfpay: amt(r.buckets.overLimit),
    preselfpay_amt: amt(r.buckets.preSelfPay),
    inscp_scp_amt: amt(r.buckets.inPolicy),
    act_pay_dedc: amt(basicDeductible),
    hifp_pay: amt(fund('basic')),
    hifmi_pay: amt(fund('seriousIllness')),
    maf_pay: amt(fund('assistance')),
    oth_pay: amt(other),
    fund_pay_sumamt: amt(r.fundPaysTotal),
    psn_part_amt: amt(r.patientPays),
    acct_pay: amt(0n),
    psn_cash_pay: amt(r.patientPays),
    hosp_part_amt: amt(0n),
    // 有效标志: 0 once the settlement is reversed (撤销).
    vali_flag: input.status === 'reversed' ? '0' : '1',
  };

  const setldetail = Object.entries(r.funds).map(([f, v]) => {
    const c = fundCode(codes, f);
    const info = r.steps
      .map((s, i) => (s.fund === f ? input.sentences[i] : undefined))
      .filter((x): x is string => !!x)
      .join('；');
    // Where a payout was made elsewhere (§3), what the fund still owes this hospital (an extension field).
    return { fund_pay_type: c.code, fund_pay_type_name: c.name, fund_payamt: amt(v), setl_proc_info: info, fund: f, ...(r.owed ? { owed_payamt: amt(r.owed[f] ?? v) } : {}) };
  });
  const adjustments = (input.adjustments ?? []).map((a) => ({
    adj_id: a.id,
    adj_time: beijingTime(a.at),
    reversal_of: a.reversalOf,
    psn_part_amt: amt(a.patientPays),
    fund_pay_sumamt: amt(a.fundPaysTotal),
    detail: Object.entries(a.funds).map(([f, v]) => {
      const c = fundCode(codes, f);
      return { fund_pay_type: c.code, fund_pay_type_name: c.name, fund_payamt: amt(v), fund: f };
    }),
    notice: a.notice,
  }));
  const record = input.catalogueJson ? (JSON.parse(input.catalogueJson) as { version: string | null; items: { code: string; outOfCatalogue?: boolean }[] }) : null;
  const catalogue = record ? { version: record.version, out_of_catalogue: record.items.filter((i) => i.outOfCatalogue).map((i) => i.code) } : null;
  return { setlinfo, setldetail, ...(catalogue ? { catalogue } : {}), ...(adjustments.length ? { adjustments } : {}) };
}
