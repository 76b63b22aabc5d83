/**
 * Zhuozi 2016 reproduced: a synthetic 1,277-admission population calibrated to the published total and
 * basic-insurance figures, modelled under the unchanged Zhuozi rules file, gives the county fund's
 * need within 1% of the published 3.79M and an overall ratio of at least 90%. The committed output is
 * exactly what the script produces, and the CLI reproduces it from the committed parameters.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OUTPUT_DIR, calibrate, markdown, type Calibration } from '../../scripts/zhuozi/calibrate.js';
import { Decimal } from '../helpers.js';
import { cli, tempDir } from './helpers.js';

describe('Zhuozi 2016', () => {
  let result: Calibration;

  it('the county fund lands within 1% of 3.79M and the overall ratio is at least 90%', async () => {
    result = await calibrate();
    const m = result.modelled;
    expect(m.admissions).toBe(1277);
    // Fitted inputs hit the published figures (published to 10,000 yuan).
    expect(new Decimal(m.total).minus('12280000').abs().lte(5000)).toBe(true);
    expect(new Decimal(m.basic).minus('7270000').abs().lte(5000)).toBe(true);
    // Modelled, not fitted.
    expect(new Decimal(m.countyFund).minus('3790000').abs().div('3790000').lte('0.01')).toBe(true);
    expect(new Decimal(m.actualRatio).gte('0.90')).toBe(true);
    expect(new Decimal(m.basic).plus(m.countyFund).plus(m.patientPays).eq(m.total)).toBe(true);
    expect(result.check).toEqual({ countyFundDeviation: expect.any(String), withinOnePercent: true, ratioAtLeast90: true });
  });

  it('the committed output is what the script produces', () => {
    expect(JSON.parse(readFileSync(join(OUTPUT_DIR, 'zhuozi-2016.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(result)));
    expect(readFileSync(join(OUTPUT_DIR, 'zhuozi-2016.md'), 'utf8')).toBe(markdown(result));
    expect(JSON.parse(readFileSync(join(OUTPUT_DIR, 'population.json'), 'utf8'))).toEqual(result.population);
  });

  it('onestop synth + onestop model reproduce it from the committed parameters', () => {
    const dir = tempDir();
    const csv = join(dir, 'zhuozi-2016.csv');
    const synth = cli(['synth', '--params', join(OUTPUT_DIR, 'population.json'), '--admissions', '1277', '--year', '2016', '--seed', '2016', '--exact-tier-counts', '--out', csv]);
    expect(synth.status).toBe(0);
    const run = cli(['model', '--rules', 'zhuozi-2016', '--bills', csv, '--json']);
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.baseline.funds).toEqual({ basic: result.modelled.basic, backstop: result.modelled.countyFund });
    expect(report.baseline.actualRatio).toBe(result.modelled.actualRatio);
  });
});
