import { inertWriter } from '../src/workflow-commands.js';
import { readJobLog } from './helpers/job-log.js';

/** What a writer passed on, one string per write. */
function written(texts: readonly string[]): string[] {
  const writes: string[] = [];
  const write = inertWriter((text) => writes.push(text));
  for (const text of texts) write(text);
  return writes;
}

describe('a writer no text acts through as a workflow command', () => {
  test('ordinary text passes byte for byte, write by write: report lines, a live progress line, a partial line', () => {
    const texts = [
      'lambda-perf-gate: FAIL\n\napi: fail\n  - [regression] warm +12% [+8%, +16%] at 1769MB-x86_64 a :: b\n',
      '\r\x1b[2K· api: look 1 of 3',
      '\r\x1b[2K',
      'echo ::set-output name=x::1 # [not a command]',
      '\n',
    ];
    expect(written(texts)).toEqual(texts);
  });

  test('a text carrying commands is shown whole between a stop-commands and its end, a new token each time', () => {
    const text = 'api: integration command "npm test" exited 2; last output:\n::add-mask::x\r##[stop-commands]forged\n';
    const writes = written([text, text]);
    const tokens = writes.map((w) => /^::stop-commands::([0-9a-f]{32})\n/.exec(w)?.[1]);
    expect(tokens[0]).toBeDefined();
    expect(tokens[1]).toBeDefined();
    expect(tokens[1]).not.toBe(tokens[0]);
    expect(writes[0]).toBe(`::stop-commands::${tokens[0]}\n${text}::${tokens[0]}::\n`);
    expect(readJobLog(writes.join(''))).toEqual({
      commands: [],
      shown: [...text.split(/\r|\n/).slice(0, -1), ...text.split(/\r|\n/)],
      stopped: false,
    });
  });

  test('a text without a final line break is ended before the resume', () => {
    const log = readJobLog(written(['  ::error::forged']).join(''));
    expect(log).toEqual({ commands: [], shown: ['  ::error::forged', ''], stopped: false });
  });

  test.each([
    ['##[', ' in two writes', ['compiling ##', '[error]forged\n']],
    ['blanks then ::', ' in two writes', ['   ', '::add-mask::x\n']],
    ['a command', ' after a partial line', ['· step', '\n::add-mask::x\n']],
  ])('%s%s: the line is checked whole, and the stop opens a line of its own', (_what, _how, texts) => {
    const output = written(texts).join('');
    expect(readJobLog(texts.join('')).commands).not.toEqual([]);
    const log = readJobLog(output);
    expect(log.commands).toEqual([]);
    expect(log.stopped).toBe(false);
    expect(log.shown.join('')).toBe(texts.join('').replace(/\n/g, ''));
  });

  test.each(
    [0x09, 0x0b, 0x0c, 0x20, 0x85, 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000]
      .concat(Array.from({ length: 11 }, (_, i) => 0x2000 + i))
      .map((code) => [`U+${code.toString(16).toUpperCase().padStart(4, '0')}`, String.fromCharCode(code)]),
  )('a line that starts with %s, which .NET trims, then a command is stopped', (_name, blank) => {
    const line = `${blank}::error::forged`;
    expect(readJobLog(`${line}\n`).commands).toEqual([line]);
    const log = readJobLog(written([`${line}\n`]).join(''));
    expect(log.commands).toEqual([]);
    expect(log.shown).toEqual([line, '']);
    expect(log.stopped).toBe(false);
  });
});
