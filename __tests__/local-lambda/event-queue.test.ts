import { InvokeCommand, TooManyRequestsException } from '@aws-sdk/client-lambda';
import { deploy, startTestService } from '../helpers/local-service.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Every log line of a function, across its environments' streams. */
function logLines(t: Awaited<ReturnType<typeof startTestService>>, name: string): string[] {
  return t.service.logs.streams(`/aws/lambda/${name}`).flatMap((stream) => stream.events.map((event) => event.message));
}

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check() && Date.now() < end) await sleep(50);
}

describe('asynchronous (Event) invocations are queued, as on Lambda', () => {
  test('200 Event invokes, 50 in flight, on 4 environments: every one is accepted and runs exactly once', async () => {
    const t = await startTestService({ maxEnvironments: 4 });
    try {
      const name = await deploy(t.client, {
        'index.js': 'exports.handler = async (event) => { console.log("handled " + event.n); return null; };',
      });
      const statuses: number[] = [];
      for (let start = 0; start < 200; start += 50) {
        const batch = Array.from({ length: 50 }, (_, i) =>
          t.client.send(
            new InvokeCommand({
              FunctionName: name,
              InvocationType: 'Event',
              Payload: Buffer.from(JSON.stringify({ n: start + i })),
            }),
          ),
        );
        for (const output of await Promise.all(batch)) statuses.push(output.StatusCode ?? 0);
      }
      expect(statuses.filter((status) => status === 202)).toHaveLength(200);
      const handled = (): string[] => logLines(t, name).filter((line) => /\thandled \d+$/.test(line));
      await until(() => handled().length >= 200, 60_000);
      const numbers = handled().map((line) => Number(/handled (\d+)$/.exec(line)![1]));
      expect(new Set(numbers).size).toBe(200);
      expect(numbers).toHaveLength(200);
    } finally {
      await t.close();
    }
  });

  test('a function error is retried twice: three attempts under one request id, visible in the logs', async () => {
    const t = await startTestService({ eventRetryDelayMs: 50 });
    try {
      const name = await deploy(t.client, {
        'index.js': 'exports.handler = async () => { throw new Error("always fails"); };',
      });
      const output = await t.client.send(
        new InvokeCommand({ FunctionName: name, InvocationType: 'Event', Payload: Buffer.from('{}') }),
      );
      expect(output.StatusCode).toBe(202);
      const starts = (): string[] => logLines(t, name).filter((line) => line.startsWith('START RequestId:'));
      await until(() => starts().length >= 3, 20_000);
      await sleep(300);
      expect(starts()).toHaveLength(3);
      const ids = new Set(starts().map((line) => /RequestId: (\S+)/.exec(line)![1]));
      expect([...ids]).toEqual([output.$metadata.requestId]);
    } finally {
      await t.close();
    }
  });

  test('past the queue bound, and only there, Invoke answers 429 saying the queue is full', async () => {
    const t = await startTestService({ maxEnvironments: 1, eventQueueCapacity: 3 });
    try {
      const name = await deploy(t.client, {
        'index.js': 'exports.handler = async () => { await new Promise((r) => setTimeout(r, 2000)); return null; };',
      });
      const results = [];
      for (let i = 0; i < 6; i++) {
        results.push(
          await t.client
            .send(new InvokeCommand({ FunctionName: name, InvocationType: 'Event', Payload: Buffer.from('{}') }))
            .then(
              () => 'accepted',
              (error: unknown) => error,
            ),
        );
      }
      expect(results.slice(0, 3)).toEqual(['accepted', 'accepted', 'accepted']);
      const refused = results.slice(3);
      for (const error of refused) {
        expect(error).toBeInstanceOf(TooManyRequestsException);
        expect((error as Error).message).toMatch(/asynchronous invocation queue holds 3 events/);
      }
    } finally {
      await t.close();
    }
  });
});
