/**
 * The local service under the four byte floods of issue 19 (item 5), at the sizes, each
 * against a fresh service in a process of its own: functions filling /tmp, 2,000 Event invokes of
 * 255 KB, eight 38 MB packages created and deleted, and packages of 65,000 entries. Prints the
 * service's peak resident size (VmHWM), what the host's tmpfs held at most (Shmem in
 * /proc/meminfo, sampled), the longest stall of the service's event loop, and the disk its code
 * root still used after the deletes. Bounded: every scenario ends by itself in a minute or two.
 *
 *   npm run bench:bytes
 */
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  InvokeCommand,
  waitUntilFunctionActiveV2,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { zipSync, type Zippable } from 'fflate';
import { createLambdaClient } from '../src/lambda/client.js';
import { startLocalLambda, type LocalLambdaOptions } from '../src/local-lambda/service.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const MIB = 1024 * 1024;

interface Outcome {
  readonly text: string;
  /** The service's code root, when the scenario found it, to measure what is left on disk. */
  readonly codeRoot?: string;
}

const shmemMb = (): number => Number(/^Shmem:\s+(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0) / 1024;

const diskMb = (path: string): string => {
  const du = spawnSync('du', ['-sm', path], { encoding: 'utf8' });
  return du.status === 0 ? `${du.stdout.split('\t')[0]} MB` : 'gone';
};

async function scenario(
  name: string,
  options: LocalLambdaOptions,
  drive: (client: LambdaClient) => Promise<Outcome>,
): Promise<void> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), 'serve', JSON.stringify(options)],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout! });
  const nextLine = (): Promise<string> => new Promise((resolve) => lines.once('line', resolve));
  const endpoint = await nextLine();
  const client = createLambdaClient({ region: 'us-east-1', endpoint, maxAttempts: 1 });
  const status = (): string => readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const field = (text: string, key: string): number =>
    Number(new RegExp(`${key}:\\s+(\\d+)`).exec(text)?.[1] ?? 0) / 1024;
  const before = field(status(), 'VmRSS');
  const shmemBefore = shmemMb();
  let shmemPeak = shmemBefore;
  const sampler = setInterval(() => (shmemPeak = Math.max(shmemPeak, shmemMb())), 50);
  const started = Date.now();
  const outcome = await drive(client);
  clearInterval(sampler);
  client.destroy();
  const after = status();
  const disk = outcome.codeRoot ? diskMb(outcome.codeRoot) : '-';
  const stats = nextLine();
  child.stdin!.end();
  const { maxLoopDelayMs } = JSON.parse(await stats) as { maxLoopDelayMs: number };
  await new Promise((resolve) => child.once('exit', resolve));
  console.log(
    `| ${name} | ${before.toFixed(0)} MB | ${field(after, 'VmHWM').toFixed(0)} MB | ${field(after, 'VmRSS').toFixed(0)} MB | ${(shmemPeak - shmemBefore).toFixed(0)} MB | ${maxLoopDelayMs.toFixed(0)} ms | ${disk} | ${((Date.now() - started) / 1000).toFixed(1)} s | ${outcome.text} |`,
  );
}

async function create(
  client: LambdaClient,
  name: string,
  zip: Uint8Array,
  settings: { memoryMb?: number; storageMb?: number; timeoutS?: number } = {},
): Promise<void> {
  await client.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs20.x',
      Handler: 'index.handler',
      Role: 'arn:aws:iam::000000000000:role/r',
      MemorySize: settings.memoryMb ?? 128,
      Timeout: settings.timeoutS ?? 30,
      EphemeralStorage: { Size: settings.storageMb ?? 512 },
      Code: { ZipFile: zip },
    }),
  );
  await waitUntilFunctionActiveV2({ client, maxWaitTime: 10, minDelay: 1 }, { FunctionName: name });
}

const single = (code: string): Uint8Array => zipSync({ 'index.js': Buffer.from(code) });

/** Where the service unpacks packages: a function says where its own went. */
async function codeRootOf(client: LambdaClient): Promise<string> {
  await create(client, 'where', single('exports.handler = async () => process.env.LAMBDA_TASK_ROOT;'));
  const result = await client.send(new InvokeCommand({ FunctionName: 'where' }));
  return dirname(JSON.parse(Buffer.from(result.Payload ?? []).toString()) as string);
}

const failureName = (error: unknown): string => (error as Error).name;

function tally(outcomes: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const outcome of outcomes) counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
  return [...counts].map(([outcome, count]) => `${count} ${outcome}`).join(', ');
}

async function main(): Promise<void> {
  console.log(
    '| scenario | service RSS at start | service peak RSS (VmHWM) | RSS after | host tmpfs peak (Shmem) | longest event-loop stall | code root on disk after | wall time | outcome |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');

  const tmpBudgetMb = 2048;
  await scenario(
    `/tmp flood: four 128 MB functions, EphemeralStorage 10,240 MB, each writing 1.5 GB at once; tmpBudgetMb ${tmpBudgetMb}`,
    { tmpBudgetMb },
    async (client) => {
      const code = `const fs = require('node:fs');
exports.handler = async () => {
  const chunk = Buffer.alloc(1048576, 1); let written = 0;
  try { while (written < 1536) { fs.writeFileSync('/tmp/fill', chunk, { flag: 'a' }); written++; } }
  catch (error) { return written + ' MB, then ' + error.code; }
  return written + ' MB';
};`;
      const names = ['fill-1', 'fill-2', 'fill-3', 'fill-4'];
      for (const name of names) await create(client, name, single(code), { storageMb: 10_240 });
      const outcomes = await Promise.all(
        names.map((name) =>
          client
            .send(new InvokeCommand({ FunctionName: name }))
            .then((result) => `wrote ${Buffer.from(result.Payload ?? []).toString()}`, failureName),
        ),
      );
      return { text: tally(outcomes) };
    },
  );

  await scenario(
    '2,000 Event invokes of 255 KB, 50 in flight, on 4 environments (the default queue bound, 64 MiB)',
    { maxEnvironments: 4 },
    async (client) => {
      await create(
        client,
        'slow',
        single('exports.handler = async () => { await new Promise((r) => setTimeout(r, 1000)); return null; };'),
      );
      const payload = Buffer.from(JSON.stringify({ pad: 'x'.repeat(255 * 1024 - 20) }));
      const outcomes: string[] = [];
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < 2000) {
          next++;
          outcomes.push(
            await client
              .send(new InvokeCommand({ FunctionName: 'slow', InvocationType: 'Event', Payload: payload }))
              .then(() => 'accepted', failureName),
          );
        }
      };
      await Promise.all(Array.from({ length: 50 }, worker));
      return { text: tally(outcomes) };
    },
  );

  await scenario('eight 38 MB packages created, then every one deleted', {}, async (client) => {
    const codeRoot = await codeRootOf(client);
    const handler = Buffer.from('exports.handler = async () => "ok";');
    for (let i = 0; i < 8; i++) {
      await create(
        client,
        `large-${i}`,
        zipSync({ 'index.js': handler, 'data.bin': randomBytes(38 * MIB) }, { level: 0 }),
      );
    }
    const held = diskMb(codeRoot);
    for (let i = 0; i < 8; i++) await client.send(new DeleteFunctionCommand({ FunctionName: `large-${i}` }));
    // The directories are moved aside at once and deleted off the event loop.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    return { text: `code root held ${held} with all eight`, codeRoot };
  });

  await scenario('three packages of 65,000 entries created, then deleted', {}, async (client) => {
    const codeRoot = await codeRootOf(client);
    for (let n = 0; n < 3; n++) {
      const entries: Zippable = { 'index.js': Buffer.from(`exports.handler = async () => ${n};`) };
      for (let i = 0; i < 65_000; i++) entries[`files/${i % 100}/${i}.txt`] = Buffer.from('x');
      await create(client, `many-${n}`, zipSync(entries, { level: 0 }));
    }
    for (let n = 0; n < 3; n++) await client.send(new DeleteFunctionCommand({ FunctionName: `many-${n}` }));
    await new Promise((resolve) => setTimeout(resolve, 5000));
    return { text: 'created and deleted', codeRoot };
  });
}

if (process.argv[2] === 'serve') {
  const options = JSON.parse(process.argv[3] ?? '{}') as LocalLambdaOptions;
  const service = await startLocalLambda({ cpuThrottle: false, ...options });
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  process.stdout.write(`${service.endpoint}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => {
    loop.disable();
    process.stdout.write(`${JSON.stringify({ maxLoopDelayMs: loop.max / 1e6 })}\n`);
    void service.stop().then(() => process.exit(0));
  });
} else {
  await main();
}
