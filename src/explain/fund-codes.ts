/**
 * Fund codes for the NHSA-shaped output (`GET /v1/settlements/{id}?format=nhsa`): which
 * `fund_pay_type` (基金支付类型) each of our funds is reported under, and which `med_type`
 * (医疗类别) each visit type is.
 *
 * The codes are configured per region, because the national dictionary fixes the statutory funds but
 * provinces assign their own codes to local funds (commercial supplementary cover, the county
 * poverty-alleviation backstop). Lookup order for a hospital's region code, most specific first:
 *
 *   1. the file named by ONESTOP_FUND_CODES (JSON, same shape as REGIONS below), if set;
 *   2. REGIONS below;
 *   3. DEFAULT_FUND_CODES.
 *
 * Within each, the region's own code ("152200") wins over its province ("150000").
 * A fund with no code anywhere is reported as FALLBACK (其他基金) so the detail still sums.
 */
import { readFileSync } from 'node:fs';
import * as z from 'zod';

export interface FundCode {
  code: string;
  name: string;
}

export interface FundCodeTable {
  funds: Record<string, FundCode>;
  medTypes: Record<string, string>;
}

/**
 * National defaults (城乡居民). `commercial` has no national code: 999901 is this project's local
 * placeholder and must be replaced by the code the provincial platform assigns.
 */
export const DEFAULT_FUND_CODES: FundCodeTable = {
  funds: {
    basic: { code: '390100', name: '城乡居民基本医疗保险基金' },
    seriousIllness: { code: '390200', name: '城乡居民大病医疗保险基金' },
    assistance: { code: '610100', name: '医疗救助基金' },
    backstop: { code: '640100', name: '政府兜底基金' },
    commercial: { code: '999901', name: '商业补充医疗保险（地方编码）' },
  },
  medTypes: {
    inpatient: '21',
    chronicOutpatient: '14',
    outpatientPooling: '11',
  },
};

export const FALLBACK_FUND_CODE: FundCode = { code: '999999', name: '其他基金' };

/** Per-region overrides, keyed by the 6-digit region code. Only what differs from the defaults. */
export const REGIONS: Record<string, Partial<{ funds: Record<string, FundCode>; medTypes: Record<string, string> }>> = {
  // 兴安盟: the defaults apply. Example of an override:
  // '152200': { funds: { commercial: { code: '999152', name: '兴安盟商业补充保险' } } },
};

const fileSchema = z.record(
  z.string().regex(/^\d{6}$/),
  z.strictObject({
    funds: z.record(z.string(), z.strictObject({ code: z.string().min(1), name: z.string().min(1) })).optional(),
    medTypes: z.record(z.string(), z.string().min(1)).optional(),
  }),
);

let fromFile: { path: string; regions: typeof REGIONS } | undefined;

function fileRegions(): typeof REGIONS {
  const path = process.env.ONESTOP_FUND_CODES;
  if (!path) return {};
  if (fromFile?.path !== path) fromFile = { path, regions: fileSchema.parse(JSON.parse(readFileSync(path, 'utf8'))) };
  return fromFile.regions;
}

/** The table for a region: defaults, then province, then the region itself; a configured file wins. */
export function fundCodesFor(regionCode: string): FundCodeTable {
  const out: FundCodeTable = { funds: { ...DEFAULT_FUND_CODES.funds }, medTypes: { ...DEFAULT_FUND_CODES.medTypes } };
  const keys = [`${regionCode.slice(0, 2)}0000`, regionCode].filter((k, i, a) => a.indexOf(k) === i);
  for (const table of [REGIONS, fileRegions()]) {
    for (const k of keys) {
      const o = table[k];
      if (!o) continue;
      Object.assign(out.funds, o.funds ?? {});
      Object.assign(out.medTypes, o.medTypes ?? {});
    }
  }
  return out;
}

export function fundCode(table: FundCodeTable, fund: string): FundCode {
  return table.funds[fund] ?? FALLBACK_FUND_CODE;
}
