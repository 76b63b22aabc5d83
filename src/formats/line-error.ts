/**
 * A problem at a line of an input file (a JSON Lines bill, a CSV row, a register or catalogue row):
 * the line, the bill number when there is one, and every field at fault, in Chinese.
 */
export interface LineProblem {
  path: string;
  message: string;
}

export class InputLineError extends Error {
  constructor(
    readonly line: number,
    readonly billNo: string | undefined,
    readonly problems: LineProblem[],
  ) {
    super(`第 ${line} 行${billNo ? `（账单 ${billNo}）` : ''}：${problems.map((p) => (p.path ? `${p.path}：${p.message}` : p.message)).join('；')}`);
    this.name = 'InputLineError';
  }
}

/** Problems in a whole input file (a year-to-date file, a what-if file): the file, each field's path. */
export class InputFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: LineProblem[],
  ) {
    super(problems.map((p) => `${file}${p.path ? `：${p.path}` : ''}：${p.message}`).join('\n'));
    this.name = 'InputFileError';
  }
}
