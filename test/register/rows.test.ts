/** Reading a register file (register/rows.ts): bytes, encodings and column names as clerks' files come. */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { idCheckCharacter } from '../../src/register/id-number.js';
import { readHospitalsFile, readPeopleFile } from '../../src/register/rows.js';

const known = { populations: new Set(['poverty', 'resident']), tiers: new Set(['county', 'league']) };
const body = '15222219800101123';
const id = body + idCheckCharacter(body);
const text = `人员编号,姓名,身份证号,旗县,参保地,人员类别,开始日期,结束日期\nA-1,斯琴高娃,${id},科右中旗,152200,poverty,2016-01-01,2018-06-30\nA-1,斯琴高娃,${id},科右中旗,152200,resident,2018-07-01,\n`;

describe('register files', () => {
  it('reads a Chinese character split across two chunks of the stream as that character', async () => {
    const bytes = Buffer.from(text, 'utf8');
    // Cut every chunk one byte into a three-byte character, wherever they fall.
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 7) chunks.push(bytes.subarray(i, i + 7));
    const read = await readPeopleFile(Readable.from(chunks), 'csv', known);
    expect(read.problems).toEqual([]);
    const p = read.people.get('A-1')!;
    expect([p.name, p.county]).toEqual(['斯琴高娃', '科右中旗']);
    expect([...p.memberships.keys()]).toEqual(['poverty', 'resident']);
  });

  it('refuses a file that is not UTF-8 (a spreadsheet saved as GBK), naming the line', async () => {
    // "科右中旗" in GBK: bytes that are not valid UTF-8.
    const gbk = Buffer.concat([Buffer.from(`id,name,idNumber,county,insuredRegion,population,from,to\nA-1,Batu,${id},`), Buffer.from([0xbf, 0xc6, 0xd3, 0xd2, 0xd6, 0xd0, 0xc6, 0xec]), Buffer.from(',152200,poverty,2016-01-01,\n')]);
    const read = await readPeopleFile(Readable.from([gbk]), 'csv', known);
    expect(read.problems).toEqual([{ line: 2, column: '', message: expect.stringContaining('不是有效的 UTF-8 编码') }]);
    expect(read.people.size).toBe(0);
  });

  it('names the column as the file writes it, and every problem of a hospitals file at once', async () => {
    const file = '医院编码,医院名称,区划代码,医院等级,开始日期,结束日期\nH1,甲医院,152200,county,2016-01-01,2019-12-31\nH1,甲医院,152200,league,2019-06-01,\nH2,乙医院,1522,hospital,2016-13-01,\n';
    const read = await readHospitalsFile(Readable.from([file]), 'csv', known);
    expect(read.problems.map((p) => [p.line, p.column])).toEqual([
      [3, '开始日期'],
      [4, '区划代码'],
      [4, '医院等级'],
      [4, '开始日期'],
    ]);
    expect(read.problems[0]!.message).toContain('与第 2 行（2016-01-01 至 2019-12-31）重叠');
  });
});
