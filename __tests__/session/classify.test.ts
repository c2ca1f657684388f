import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import { ConfigError } from '../../src/config/config-error.js';
import { describeAwsError } from '../../src/lambda/infrastructure-error.js';
import { UsageError } from '../../src/errors.js';
import { classifyFailure, EXIT } from '../../src/session.js';

/** One classification of what ended a session, shared by the CLI (exit code) and the action. */
describe('classifyFailure', () => {
  test('a configuration error is usage, exit 2, with its file and key', () => {
    const failure = classifyFailure(
      new ConfigError('lambda-perf.yml', ['functions[0].memory: must be at least 128, got 64']),
    );
    expect(failure).toEqual({
      kind: 'usage',
      exitCode: EXIT.usage,
      message: expect.stringContaining('functions[0].memory'),
    });
  });

  test("a flag node's own parser refuses is usage, like our UsageError", () => {
    let thrown: unknown;
    try {
      parseArgs({ args: ['--bogus'], options: {} });
    } catch (error) {
      thrown = error;
    }
    expect(classifyFailure(thrown)).toMatchObject({
      kind: 'usage',
      exitCode: 2,
      message: expect.stringContaining('--bogus'),
    });
    expect(classifyFailure(new UsageError('--fail-on: unknown "x"'))).toMatchObject({ kind: 'usage', exitCode: 2 });
  });

  test('an infrastructure error is exit 3 and keeps its message', () => {
    const error = describeAwsError(
      { name: 'AccessDeniedException', message: 'no', $metadata: { httpStatusCode: 403 } },
      'CreateFunction',
      'lpg-x',
    );
    expect(classifyFailure(error)).toEqual({
      kind: 'infrastructure',
      exitCode: EXIT.infrastructure,
      message: expect.stringMatching(
        /^infrastructure error: permission denied: missing permission lambda:CreateFunction on lpg-x/,
      ),
    });
  });

  test('the operating system refusing something (a port in use) is the host, not a bug', async () => {
    const first = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => first.once('listening', resolve));
    const second = createServer();
    const thrown = await new Promise<unknown>((resolve) => {
      second.once('error', resolve);
      second.listen((first.address() as { port: number }).port, '127.0.0.1');
    });
    first.close();
    expect(classifyFailure(thrown)).toMatchObject({
      kind: 'infrastructure',
      exitCode: 3,
      message: expect.stringContaining('EADDRINUSE'),
    });
  });

  test('anything else is a bug of ours: exit 4, said plainly, with where it happened', () => {
    let thrown: unknown;
    try {
      JSON.parse('{');
    } catch (error) {
      thrown = error;
    }
    const failure = classifyFailure(thrown);
    expect(failure.kind).toBe('bug');
    expect(failure.exitCode).toBe(4);
    expect(failure.message).toMatch(/^internal error: .*JSON.*This is a bug in lambda-perf-gate/s);
    expect(failure.message).toContain('classify.test.ts');
    expect(classifyFailure('a string').message).toMatch(/^internal error: a string\./);
  });
});
