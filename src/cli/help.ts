/**
 * The command line speaks Chinese, as its output does (issue 25): the help's headings, commander's own
 * lines (help, version) and its usage errors. Option names, placeholders and values stay as typed
 * (`--rules <fileOrId>`, `window`), so a command copied from the help runs.
 *
 * Set on the program before its commands are added: commander copies help and output settings to
 * every subcommand it creates.
 */
import { Help, type Command } from 'commander';

const TITLES: Record<string, string> = {
  'Usage:': '用法：',
  'Arguments:': '参数：',
  'Options:': '选项：',
  'Global Options:': '全局选项：',
  'Commands:': '命令：',
};

/** Columns a string takes in a terminal: East Asian wide characters take two. */
export function displayWidth(s: string): number {
  let w = 0;
  // eslint-disable-next-line no-control-regex
  for (const ch of s.replace(/\x1b\[[0-9;]*m/g, '')) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(ch) ? 2 : 1;
  return w;
}

const WIDE = /[\u2e80-\ua4cf\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u;

/**
 * Wrap text to `width` columns after an indent of `indent`, breaking at spaces or between two Chinese
 * characters (commander breaks only at spaces, so a Chinese sentence would run past the edge).
 */
export function wrapText(text: string, width: number, indent: number): string {
  const room = Math.max(20, width - indent);
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    let w = 0;
    // Tokens: a run of non-space, non-wide characters (a word, a flag), one wide character, or spaces.
    for (const tok of para.match(/[^\s\u2e80-\ua4cf\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]+|[\u2e80-\ua4cf\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]|\s+/gu) ?? []) {
      const tw = displayWidth(tok);
      if (/^\s+$/.test(tok)) {
        if (w > 0 && w + tw <= room) {
          line += tok;
          w += tw;
        }
        continue;
      }
      // Closing punctuation stays on the line it closes.
      const closing = /^[，。、；：）》」』！？]$/u.test(tok);
      if (w + tw > room && w > 0 && !closing) {
        out.push(line.trimEnd());
        line = '';
        w = 0;
      }
      line += tok;
      w += tw;
    }
    out.push(line.trimEnd());
  }
  return out.join(`\n${' '.repeat(indent)}`);
}

/** commander's usage errors, in Chinese. */
const ERRORS: [RegExp, (...m: string[]) => string][] = [
  [/^error: unknown option '(.+?)'(?:\n\(Did you mean (.+?)\?\))?$/s, (_, o, s) => `错误：没有选项 ${o}${s ? `（是否想用 ${s}？）` : ''}`],
  [/^error: unknown command '(.+?)'(?:\n\(Did you mean (.+?)\?\))?$/s, (_, c, s) => `错误：没有命令 ${c}${s ? `（是否想用 ${s}？）` : ''}`],
  [/^error: missing required argument '(.+?)'$/, (_, a) => `错误：缺少参数 <${a}>`],
  [/^error: option '(.+?)' argument missing$/, (_, o) => `错误：选项 ${o} 缺少取值`],
  [/^error: required option '(.+?)' not specified$/, (_, o) => `错误：必须给出选项 ${o}`],
  [/^error: too many arguments(?: for '(.+?)')?\. Expected (\d+) arguments? but got (\d+)\.$/, (_, c, n, got) => `错误：${c ? `命令 ${c} ` : ''}的参数过多：应有 ${n} 个，收到 ${got} 个`],
  [/^error: option '(.+?)' argument '(.+?)' is invalid\.(.*)$/s, (_, o, v, why) => `错误：选项 ${o} 的取值 “${v}” 不对${why.trim() ? `：${why.trim()}` : ''}`],
  [/^error: (.+?) cannot be used with (.+)$/, (_, a, b) => `错误：${a} 不能与 ${b} 同时使用`],
];

export function errorInChinese(message: string): string {
  const text = message.replace(/\n+$/, '');
  for (const [re, say] of ERRORS) {
    const m = re.exec(text);
    if (m) return say(...(m as unknown as string[]));
  }
  return text.replace(/^error: /, '错误：');
}

/** Help, version and errors in Chinese for `program` and every command added to it afterwards. */
export function speakChinese(program: Command, version: string): Command {
  return program
    .version(version, '-V, --version', '显示版本号')
    .helpOption('-h, --help', '显示帮助')
    .helpCommand('help [command]', '显示某个命令的帮助')
    .configureHelp({
      styleTitle: (t: string) => TITLES[t] ?? t,
      displayWidth,
      commandUsage(this: Help, cmd: Command) {
        const names: string[] = [];
        for (let c: Command | null = cmd.parent; c; c = c.parent) names.unshift(c.name());
        return [...names, cmd.name(), cmd.usage().replace('[options]', '[选项]').replace('[command]', '[命令]')].join(' ');
      },
      subcommandTerm(this: Help, cmd: Command) {
        return Help.prototype.subcommandTerm.call(this, cmd).replace('[options]', '[选项]');
      },
      optionDescription(option) {
        const extra: string[] = [];
        if (option.argChoices) extra.push(`可选：${option.argChoices.join('、')}`);
        if (option.defaultValue !== undefined && (option.required || option.optional)) extra.push(`默认：${option.defaultValueDescription ?? JSON.stringify(option.defaultValue)}`);
        return extra.length ? `${option.description}（${extra.join('；')}）` : option.description;
      },
      boxWrap: (text: string, width: number) => wrapText(text, width, 0),
      formatItem(term: string, termWidth: number, description: string, helper: Help) {
        const indent = 2;
        const pad = ' '.repeat(Math.max(0, termWidth - displayWidth(term)) + 2);
        if (!description) return `${' '.repeat(indent)}${term}`;
        const width = helper.helpWidth ?? 80;
        return `${' '.repeat(indent)}${term}${pad}${wrapText(description, width, indent + termWidth + 2)}`;
      },
    })
    .configureOutput({ outputError: (str, write) => write(`${errorInChinese(str)}\n`) });
}
