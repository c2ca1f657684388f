import { jest } from '@jest/globals';
import { ActionLog } from '../../src/action/log.js';
import { carriesCommand } from '../../src/workflow-commands.js';
import { Redactor } from '../../src/result/redact.js';

const SECRET = 'tok-0123456789abcdef';

/** The lines the log writes to stdout, as the runner reads them. */
function captured(body: (log: ActionLog) => void): string[] {
  let out = '';
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += chunk.toString();
    return true;
  });
  try {
    body(new ActionLog(Redactor.fromEnvironment({ LPG_TEST_API_TOKEN: SECRET })));
  } finally {
    spy.mockRestore();
  }
  return out.split(/\r?\n/).filter((line) => line !== '');
}

describe('what the runner takes for a workflow command', () => {
  test.each([
    ['::set-output name=verdict::pass', true],
    ['   ::add-mask::fail', true],
    ['api: integration: "echo ##[stop-commands]x" against the candidate', true],
    ['compiling\n::error::forged', true],
    ['compiling\r::error::forged', true],
    ['\u0085::error::forged after a NEL, which the runner trims', true],
    ['\u3000\u2028 ::add-mask::x', true],
    ['api: look 1 of 3, 1769MB-x86_64 a :: b', false],
    ['echo ::set-output name=x::1', false],
    ['# [not a command]', false],
  ])('%j: %s', (line, command) => {
    expect(carriesCommand(line)).toBe(command);
  });
});

describe('the action log', () => {
  test('a plain line the runner would act on is written between a stop-commands and its end, redacted', () => {
    const lines = captured((log) => {
      log.info('api: ok');
      log.info(`api: integration: "echo ##[add-mask]fail ${SECRET}" against the candidate`);
    });
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe('api: ok');
    const token = /^::stop-commands::([0-9a-f]{32})$/.exec(lines[1]!)?.[1];
    expect(token).toBeDefined();
    expect(lines[2]).toBe('api: integration: "echo ##[add-mask]fail ***" against the candidate');
    expect(lines[3]).toBe(`::${token}::`);
  });

  test('annotations and the failure are redacted, their titles too', () => {
    const lines = captured((log) => {
      log.warning(`could not delete lpg-api: ${SECRET}`, { title: `lambda-perf-gate: ${SECRET}` });
      log.notice(`on refs/heads/${SECRET}`);
      log.error(`${SECRET} said no`);
      log.setFailed(`lambda-perf-gate: ${SECRET}`);
    });
    expect(lines.join('\n')).not.toContain(SECRET);
    expect(lines).toEqual([
      '::warning title=lambda-perf-gate%3A ***::could not delete lpg-api: ***',
      '::notice::on refs/heads/***',
      '::error::*** said no',
      '::error::lambda-perf-gate: ***',
    ]);
    process.exitCode = undefined;
  });

  test('an annotation while commands are stopped ends the stop first, and the stop ends once', () => {
    const lines = captured((log) => {
      log.stopCommands();
      log.info('::set-output name=verdict::pass');
      log.warning('SIGTERM: removing the base commit worktree before the job stops.');
      log.info('::set-output name=verdict::pass');
      log.resumeCommands();
    });
    const token = /^::stop-commands::([0-9a-f]{32})$/.exec(lines[0]!)?.[1];
    expect(token).toBeDefined();
    const [, second] = /^::stop-commands::([0-9a-f]{32})$/.exec(lines[4]!) ?? [];
    expect(second).toBeDefined();
    expect(second).not.toBe(token);
    expect(lines).toEqual([
      `::stop-commands::${token}`,
      '::set-output name=verdict::pass',
      `::${token}::`,
      '::warning::SIGTERM: removing the base commit worktree before the job stops.',
      // Late lines (a build dying after the signal) each get a stop of their own.
      `::stop-commands::${second}`,
      '::set-output name=verdict::pass',
      `::${second}::`,
    ]);
  });
});
