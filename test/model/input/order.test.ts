/** The model's order rule: each person's discharge dates must not go backwards (src/model/input/order.ts). */
import { describe, expect, it } from 'vitest';
import { InputLineError } from '../../../src/formats/line-error.js';
import { DischargeOrder } from '../../../src/model/input/order.js';

const at = (iso: string) => Number(iso.replace(/-/g, ''));

describe('discharge order', () => {
  it('refuses a discharge date earlier than the person’s previous one, naming both lines', () => {
    const order = new DischargeOrder();
    order.check('P1', '2018-03-01', at('2018-03-01'), 2);
    order.check('P2', '2018-01-01', at('2018-01-01'), 3);
    let error: unknown;
    try {
      order.check('P1', '2018-02-01', at('2018-02-01'), 4, 'A2');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputLineError);
    expect(error).toMatchObject({ line: 4, billNo: 'A2', problems: [{ path: 'discharged' }] });
    expect((error as Error).message).toContain('第 4 行（账单 A2）');
    expect((error as Error).message).toContain('参保人 P1 的出院日期 2018-02-01 早于其第 2 行的 2018-03-01');
  });

  it('takes the same day again and a later year, for many people', () => {
    const order = new DischargeOrder();
    for (let i = 0; i < 5000; i++) order.check(`P${i}`, '2018-12-31', at('2018-12-31'), i + 2);
    for (let i = 0; i < 5000; i++) order.check(`P${i}`, '2018-12-31', at('2018-12-31'), i + 5002);
    for (let i = 0; i < 5000; i++) order.check(`P${i}`, '2019-01-01', at('2019-01-01'), i + 10002);
    expect(() => order.check('P4999', '2018-06-01', at('2018-06-01'), 20000)).toThrow('早于其第 15001 行的 2019-01-01');
  });
});
