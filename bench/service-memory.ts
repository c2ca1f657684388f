/**
 * Peak memory of the local service under hostile input: a zip bomb (3 MB inflating to 3 GB) and
 * a function that floods its output for 10 s. Each scenario runs against a fresh service in a
 * process of its own, whose peak resident size (VmHWM) is read from /proc afterwards.
 *
 *   npm run bench:memory
 */
import { CreateFunctionCommand, InvokeCommand, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { zipSync } from 'fflate';
import { createLambdaClient } from '../src/lambda/client.js';
import { startLocalLambda } from '../src/local-lambda/service.js';
import { zipBomb } from '../__tests__/helpers/zip-bomb.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const MIB = 1024 * 1024;

if (process.argv[2] === 'serve') {
  const service = await startLocalLambda({ cpuThrottle: false });
  process.stdout.write(`${service.endpoint}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => void service.stop().then(() => process.exit(0)));
} else {
  await main();
}

async function scenario(name: string, drive: (endpoint: string) => Promise<string>): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), 'serve'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const endpoint = await new Promise<string>((resolve) =>
    createInterface({ input: child.stdout! }).once('line', resolve),
  );
  const status = (): string => readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const field = (text: string, key: string): number =>
    Number(new RegExp(`${key}:\\s+(\\d+)`).exec(text)?.[1] ?? 0) / 1024;
  const before = field(status(), 'VmRSS');
  const started = Date.now();
  const outcome = await drive(endpoint);
  const after = status();
  console.log(
    `| ${name} | ${before.toFixed(0)} MB | ${field(after, 'VmHWM').toFixed(0)} MB | ${field(after, 'VmRSS').toFixed(0)} MB | ${((Date.now() - started) / 1000).toFixed(1)} s | ${outcome} |`,
  );
  child.stdin!.end();
  await new Promise((resolve) => child.once('exit', resolve));
}

async function main(): Promise<void> {
  console.log('| scenario | service RSS at start | service peak RSS (VmHWM) | RSS after | wall time | outcome |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  const create = (endpoint: string, name: string, zip: Uint8Array, timeout = 30) => {
    const client = createLambdaClient({ region: 'us-east-1', endpoint, maxAttempts: 1 });
    return {
      client,
      done: client.send(
        new CreateFunctionCommand({
          FunctionName: name,
          Runtime: 'nodejs20.x',
          Handler: 'index.handler',
          Role: 'arn:aws:iam::000000000000:role/r',
          Timeout: timeout,
          MemorySize: 1024,
          Code: { ZipFile: zip },
        }),
      ),
    };
  };
  for (const [label, declared] of [
    ['declared honestly', 64 * MIB],
    ['declaring 1 KB each', 1024],
  ] as const) {
    await scenario(`zip bomb: 3 MB, 48 x 64 MB of zeros, ${label}`, async (endpoint) => {
      const bomb = zipBomb(48, 64 * MIB, declared); // 48 entries of 64 MB of zeros each
      const { client, done } = create(endpoint, 'bomb', bomb);
      const outcome = await done.then(
        () => 'accepted',
        (error: Error) => `${error.name}: ${error.message}`,
      );
      client.destroy();
      return `${(bomb.length / MIB).toFixed(1)} MB upload; ${outcome}`;
    });
  }
  await scenario('log flood: 10 s of 2 KB lines', async (endpoint) => {
    const code = `exports.handler = async () => {
      const line = 'x'.repeat(2048); const end = Date.now() + 10000; let n = 0;
      // As fast as the service takes it: wait for the pipe to drain rather than buffer in the function.
      while (Date.now() < end) { if (!process.stdout.write(++n + ' ' + line + '\\n')) await new Promise((r) => process.stdout.once('drain', r)); }
      return n;
    };`;
    const { client, done } = create(endpoint, 'flood', zipSync({ 'index.js': Buffer.from(code) }));
    await done;
    await waitUntilFunctionActiveV2({ client, maxWaitTime: 10, minDelay: 1 }, { FunctionName: 'flood' });
    const result = await client.send(new InvokeCommand({ FunctionName: 'flood' }));
    client.destroy();
    const text = Buffer.from(result.Payload ?? []).toString();
    const lines = Number(text);
    if (result.FunctionError) return `function error: ${text.slice(0, 200)}`;
    return `${lines} lines (${((lines * 2056) / MIB).toFixed(0)} MB) printed`;
  });
}
