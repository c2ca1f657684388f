import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  InvokeCommand,
  PublishVersionCommand,
} from '@aws-sdk/client-lambda';
import { zipSync, type Zippable } from 'fflate';
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { deploy, invoke, startTestService, uniqueName, type TestService } from '../helpers/local-service.js';
import { MIN_TMP_BUDGET_MB } from '../../src/local-lambda/host/environment-limits.js';
import { skipBecause } from '../helpers/host-needs.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check() && Date.now() < end) await sleep(50);
}

const failure = (promise: Promise<unknown>): Promise<{ name?: string; message?: string; status?: number }> =>
  promise.then(
    () => ({ name: 'no error' }),
    (error: { name?: string; message?: string; $metadata?: { httpStatusCode?: number } }) => ({
      ...(error.name === undefined ? {} : { name: error.name }),
      ...(error.message === undefined ? {} : { message: error.message }),
      ...(error.$metadata?.httpStatusCode === undefined ? {} : { status: error.$metadata.httpStatusCode }),
    }),
  );

/** Says where its package is unpacked on the host, and how large its /tmp is. */
const WHERE = `const fs = require('node:fs');
exports.handler = async (event) => {
  if (event.waitMs) await new Promise((r) => setTimeout(r, event.waitMs));
  const tmp = fs.statfsSync('/tmp');
  return { root: process.env.LAMBDA_TASK_ROOT, tmpMb: Math.round((tmp.blocks * tmp.bsize) / 1048576) };
};`;

interface Where {
  readonly root: string;
  readonly tmpMb: number;
}

async function withService(
  options: Parameters<typeof startTestService>[0],
  use: (t: TestService) => Promise<void>,
): Promise<void> {
  const t = await startTestService({ cpuThrottle: false, ...options });
  try {
    await use(t);
  } finally {
    await t.close();
  }
}

describe('/tmp is held in the host memory only within a service-wide budget', () => {
  test('a /tmp asked larger than the budget is cut to what the budget leaves beside /dev/shm, /var/tmp and /run/lock', async () => {
    await withService({ tmpBudgetMb: 1024 }, async (t) => {
      if (!t.service.info().environmentLimits.privateTmp) return skipBecause('a private /tmp for environments');
      expect(t.service.info().environmentLimits.tmpBudgetMb).toBe(1024);
      const name = await deploy(t.client, { 'index.js': WHERE }, { EphemeralStorage: { Size: 10_240 } });
      const { tmpMb } = (await invoke(t.client, name)).json as Where;
      expect(tmpMb).toBeGreaterThanOrEqual(512);
      expect(tmpMb).toBeLessThanOrEqual(1024 - (MIN_TMP_BUDGET_MB - 512));
    });
  }, 60_000);

  test('with room for two environments, a third at once gets 429; once they are idle, a new one retires one and runs', async () => {
    await withService({ tmpBudgetMb: 2 * MIN_TMP_BUDGET_MB }, async (t) => {
      if (!t.service.info().environmentLimits.privateTmp) return skipBecause('a private /tmp for environments');
      const name = await deploy(t.client, { 'index.js': WHERE });
      const outcomes = await Promise.all(
        Array.from({ length: 3 }, () => failure(invoke(t.client, name, { waitMs: 1500 }))),
      );
      const refused = outcomes.filter((outcome) => outcome.name !== 'no error');
      expect(refused).toHaveLength(1);
      expect(refused[0]).toMatchObject({ name: 'TooManyRequestsException', status: 429 });
      expect(refused[0]!.message).toMatch(/tmpBudgetMb/);
      const other = await deploy(t.client, { 'index.js': WHERE });
      expect(((await invoke(t.client, other)).json as Where).tmpMb).toBeGreaterThanOrEqual(500);
      expect(t.service.info().environments).toBeLessThanOrEqual(2);
    });
  }, 60_000);
});

describe('the asynchronous queue is bounded in bytes', () => {
  test("past its bytes, and only there, an Event invoke gets Lambda's 429; once events finish it takes more", async () => {
    await withService({ maxEnvironments: 1, eventQueueBytes: 300 * 1024 }, async (t) => {
      const name = await deploy(t.client, {
        'index.js': 'exports.handler = async () => { await new Promise((r) => setTimeout(r, 1000)); return null; };',
      });
      const event = Buffer.from(JSON.stringify({ pad: 'x'.repeat(100_000) }));
      const send = () =>
        failure(t.client.send(new InvokeCommand({ FunctionName: name, InvocationType: 'Event', Payload: event })));
      const first = [await send(), await send(), await send()];
      expect(first.map((outcome) => outcome.name)).toEqual(['no error', 'no error', 'no error']);
      const refused = await send();
      expect(refused).toMatchObject({ name: 'TooManyRequestsException', status: 429 });
      expect(refused.message).toMatch(/asynchronous invocation queue holds \d+ of its 307200 bytes/);
      const ends = (): number =>
        t.service.logs
          .streams(`/aws/lambda/${name}`)
          .flatMap((stream) => stream.events)
          .filter((e) => e.message.startsWith('REPORT')).length;
      await until(() => ends() >= 3, 30_000);
      expect(ends()).toBe(3);
      expect((await send()).name).toBe('no error');
    });
  }, 60_000);
});

describe('deleted packages give back their disk', () => {
  test('once every version is deleted and its environments are gone, the unpacked directory and the zip go', async () => {
    await withService({}, async (t) => {
      const files = { 'index.js': WHERE, 'data.txt': 'y'.repeat(100_000) };
      const name = await deploy(t.client, files);
      const { Version } = await t.client.send(new PublishVersionCommand({ FunctionName: name }));
      const { root } = (await invoke(t.client, name)).json as Where;
      expect(((await invoke(t.client, name, {}, Version)).json as Where).root).toBe(root);
      expect(existsSync(root)).toBe(true);

      await t.client.send(new DeleteFunctionCommand({ FunctionName: name, Qualifier: Version }));
      expect(existsSync(root)).toBe(true);
      await t.client.send(new DeleteFunctionCommand({ FunctionName: name }));
      const left = (): string[] => readdirSync(dirname(root)).filter((entry) => entry.startsWith(basename(root)));
      await until(() => left().length === 0, 10_000);
      expect(left()).toEqual([]);

      // The same code uploaded again unpacks afresh and runs. Its directory is named by the zip's
      // hash, and the zip's entry times can differ across a two-second boundary: same code root.
      const again = await deploy(t.client, files);
      const unpacked = ((await invoke(t.client, again)).json as Where).root;
      expect(dirname(unpacked)).toBe(dirname(root));
      expect(existsSync(unpacked)).toBe(true);
    });
  }, 60_000);
});

describe('unpacking does not hold the event loop', () => {
  test('while a package of 65,000 entries unpacks, other work runs between its slices', async () => {
    await withService({}, async (t) => {
      const probe = await deploy(t.client, { 'index.js': WHERE });
      const codeRoot = dirname(((await invoke(t.client, probe)).json as Where).root);
      const entries: Zippable = { 'index.js': Buffer.from('exports.handler = async () => "many";') };
      for (let i = 0; i < 65_000; i++) entries[`files/${i % 100}/${i}.txt`] = Buffer.from('x');
      const zip = zipSync(entries, { level: 0 });
      let done = false;
      const created = t.client
        .send(
          new CreateFunctionCommand({
            FunctionName: uniqueName('many'),
            Runtime: 'nodejs20.x',
            Handler: 'index.handler',
            Role: 'arn:aws:iam::000000000000:role/r',
            Code: { ZipFile: zip },
          }),
        )
        .finally(() => (done = true));
      let seenHalfUnpacked = false;
      while (!done) {
        // Runs only when the event loop turns: never, while a synchronous unzip holds it.
        if (readdirSync(codeRoot).some((entry) => entry.includes('.partial-'))) seenHalfUnpacked = true;
        await nextTurn();
      }
      const configuration = await created;
      expect(seenHalfUnpacked).toBe(true);
      const fetched = await t.client.send(new GetFunctionCommand({ FunctionName: configuration.FunctionName }));
      expect(fetched.Configuration?.CodeSize).toBe(zip.length);
    });
  }, 120_000);
});
