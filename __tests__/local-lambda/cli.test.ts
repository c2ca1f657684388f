import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { CLI, cli } from '../helpers/cli-process.js';
import { zipOf } from '../helpers/local-service.js';
import { signedGetHeaders } from '../../src/lambda/signed-get.js';

const run = promisify(execFile);
const awsVersion = spawnSync('aws', ['--version'], { encoding: 'utf8' });
const hasAwsCli = awsVersion.status === 0;
// Version 2 reads --payload as base64 unless told otherwise; version 1 reads it as text.
const rawPayload = /aws-cli\/2/.test(`${awsVersion.stdout}${awsVersion.stderr}`)
  ? ['--cli-binary-format', 'raw-in-base64-out']
  : [];
if (!hasAwsCli) console.warn('Skipping the AWS CLI conformance test: the aws command is not installed here.');

/** The CLI's output until its `count`th line, or until a line matches `until`. */
function startCli(args: string[], count = 2, until?: RegExp): { child: ChildProcess; firstLines: Promise<string[]> } {
  const child = spawn(process.execPath, [...CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const lines = createInterface({ input: child.stdout! });
  const firstLines = new Promise<string[]>((resolve) => {
    const seen: string[] = [];
    lines.on('line', (line) => {
      seen.push(line);
      if (seen.length === count || until?.test(line)) resolve(seen);
    });
  });
  return { child, firstLines };
}

const exited = (child: ChildProcess): Promise<number | null> =>
  new Promise((resolve) => child.once('exit', (code) => resolve(code)));

describe('lambda-perf-gate local-lambda', () => {
  test('prints its endpoint first, serves the AWS CLI, and on SIGTERM stops every environment it started', async () => {
    const { child, firstLines } = startCli(['local-lambda', '--port', '0']);
    const [first, second] = await firstLines;
    const match = /^Local Lambda service listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(first ?? '');
    expect(match).not.toBeNull();
    // Linux with schedstat (as here and on CI) runs the model clock; it says so first.
    expect(second).toMatch(/^Durations come from the model clock/);
    const endpoint = match![1]!;
    const work = mkdtempSync(join(tmpdir(), 'lpg-cli-'));
    try {
      writeFileSync(
        join(work, 'fn.zip'),
        zipOf({ 'index.js': 'exports.handler = async (e) => ({ pid: process.pid, got: e.x });' }),
      );
      const env = {
        ...process.env,
        AWS_ACCESS_KEY_ID: 'x',
        AWS_SECRET_ACCESS_KEY: 'y',
        AWS_DEFAULT_REGION: 'us-east-1',
        NODE_OPTIONS: '',
      };
      let pid: number;
      if (hasAwsCli) {
        const aws = (...args: string[]) =>
          run('aws', [...args, '--endpoint-url', endpoint, '--output', 'json'], { env });
        await aws(
          'lambda',
          'create-function',
          '--function-name',
          'cli-fn',
          '--runtime',
          'nodejs20.x',
          '--handler',
          'index.handler',
          '--role',
          'arn:aws:iam::000000000000:role/r',
          '--zip-file',
          `fileb://${join(work, 'fn.zip')}`,
        );
        await aws('lambda', 'wait', 'function-active-v2', '--function-name', 'cli-fn');
        const listed = JSON.parse((await aws('lambda', 'list-functions')).stdout) as {
          Functions: { FunctionName: string }[];
        };
        expect(listed.Functions.map((f) => f.FunctionName)).toContain('cli-fn');
        const invoked = JSON.parse(
          (
            await aws(
              'lambda',
              'invoke',
              '--function-name',
              'cli-fn',
              ...rawPayload,
              '--payload',
              '{"x":3}',
              '--log-type',
              'Tail',
              join(work, 'out.json'),
            )
          ).stdout,
        ) as { StatusCode: number; LogResult: string };
        expect(invoked.StatusCode).toBe(200);
        expect(Buffer.from(invoked.LogResult, 'base64').toString()).toMatch(/REPORT RequestId: .*Init Duration/);
        const out = JSON.parse(readFileSync(join(work, 'out.json'), 'utf8')) as { pid: number; got: number };
        expect(out.got).toBe(3);
        pid = out.pid;
        const missing = await aws('lambda', 'get-function', '--function-name', 'nope').then(
          () => '',
          (error: { stderr: string }) => error.stderr,
        );
        expect(missing).toContain('ResourceNotFoundException');
      } else {
        const { createLambdaClient } = await import('../../src/lambda/client.js');
        const { CreateFunctionCommand, InvokeCommand, waitUntilFunctionActiveV2 } =
          await import('@aws-sdk/client-lambda');
        const client = createLambdaClient({ region: 'us-east-1', endpoint });
        await client.send(
          new CreateFunctionCommand({
            FunctionName: 'cli-fn',
            Runtime: 'nodejs20.x',
            Handler: 'index.handler',
            Role: 'arn:aws:iam::000000000000:role/r',
            Code: { ZipFile: readFileSync(join(work, 'fn.zip')) },
          }),
        );
        await waitUntilFunctionActiveV2({ client, maxWaitTime: 10 }, { FunctionName: 'cli-fn' });
        const result = await client.send(
          new InvokeCommand({ FunctionName: 'cli-fn', Payload: Buffer.from('{"x":3}') }),
        );
        pid = (JSON.parse(Buffer.from(result.Payload ?? []).toString()) as { pid: number }).pid;
        client.destroy();
      }
      expect(() => process.kill(pid, 0)).not.toThrow();
      child.kill('SIGTERM');
      expect(await exited(child)).toBe(0);
      expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
    } finally {
      child.kill('SIGKILL');
      rmSync(work, { recursive: true, force: true });
    }
  });

  test('--require-auth prints a fresh key; the AWS CLI is served with it and refused without it', async () => {
    const { child, firstLines } = startCli(
      ['local-lambda', '--port', '0', '--require-auth', '--no-cpu-throttle'],
      Infinity,
      /AWS_SECRET_ACCESS_KEY=/,
    );
    try {
      const lines = await firstLines;
      const endpoint = /listening on (http:\S+)$/.exec(lines[0] ?? '')?.[1] ?? '';
      // The key comes after the service's facts (clock, CPUs), however many lines they take.
      const at = lines.findIndex((line) => /^Requests must be signed/.test(line));
      const id = /^ {2}AWS_ACCESS_KEY_ID=(LPGL[0-9A-F]{16})$/.exec(lines[at + 1] ?? '')?.[1];
      const secret = /^ {2}AWS_SECRET_ACCESS_KEY=(\S{40})$/.exec(lines[at + 2] ?? '')?.[1];
      expect([endpoint, id, secret].every(Boolean)).toBe(true);
      // Its facts, too, are for the key's holder only.
      const infoUrl = new URL('/local/info', endpoint);
      expect((await fetch(infoUrl)).status).toBe(403);
      const key = { accessKeyId: id!, secretAccessKey: secret! };
      const info = await fetch(infoUrl, {
        headers: signedGetHeaders(infoUrl, key, { region: 'us-east-1', service: 'lambda' }),
      });
      expect(((await info.json()) as { requireAuth: boolean }).requireAuth).toBe(true);
      const list = (accessKeyId: string, secretAccessKey: string) => {
        const env = {
          ...process.env,
          AWS_ACCESS_KEY_ID: accessKeyId,
          AWS_SECRET_ACCESS_KEY: secretAccessKey,
          AWS_DEFAULT_REGION: 'us-east-1',
          AWS_MAX_ATTEMPTS: '1',
        };
        return run('aws', ['lambda', 'list-functions', '--endpoint-url', endpoint], { env }).then(
          () => 'served',
          (error: { stderr: string }) => error.stderr,
        );
      };
      if (hasAwsCli) {
        expect(await list(id!, secret!)).toBe('served');
        expect(await list('x', 'y')).toMatch(/UnrecognizedClientException/);
      }
    } finally {
      child.kill('SIGTERM');
      await exited(child);
    }
  }, 60_000);

  test.each([
    [['local-lambda', '--port', 'abc'], /--port must be a number, got "abc"/],
    [['local-lambda', '--throttle-rate', '2'], /--throttle-rate must be between 0 and 1/],
    [['local-lambda', '--bogus'], /local-lambda: unknown option --bogus/],
    [['local-lambda', '--clock', 'fast'], /--clock must be one of model, wall, got "fast"/],
    [['local-lambda', '--environment-cpus', 'last'], /--environment-cpus must be "all" or a CPU list .*, got "last"/],
    [
      ['local-lambda', '--environment-cpus', '4096'],
      /--environment-cpus 4096: CPU 4096 is not one this service may use/,
    ],
    [['run', '--clock', 'sundial', '--local'], /--clock must be one of model, wall, got "sundial"/],
    [['run', '--clock', 'wall'], /--clock sets the embedded local service's clock; it needs --local/],
    [['validate', '--clock', 'wall', '--endpoint', 'http://127.0.0.1:1'], /it needs --local/],
    [['run', '--profile', 'sometimes', '--local'], /--profile "sometimes": give one of on-regression, always, never/],
    [['frobnicate'], /unknown command "frobnicate"/],
  ])('bad usage %j exits 2 and says what is wrong', async (args, message) => {
    const result = await cli(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});
