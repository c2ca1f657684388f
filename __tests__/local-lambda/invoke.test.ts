import {
  InvokeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
  PublishVersionCommand,
} from '@aws-sdk/client-lambda';
import { deploy, invoke, startTestService, type TestService } from '../helpers/local-service.js';

let t: TestService;
beforeAll(async () => {
  t = await startTestService({ cpuThrottle: false, idleTimeoutMs: 60_000 });
});
afterAll(() => t.close());

const ECHO = {
  'index.js': `
    let calls = 0;
    exports.handler = async (event, context) => {
      calls++;
      console.log('event', JSON.stringify(event));
      console.warn('careful\\nsecond line');
      return { calls, event, requestId: context.awsRequestId, remaining: context.getRemainingTimeInMillis(), env: {
        name: process.env.AWS_LAMBDA_FUNCTION_NAME, memory: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
        version: process.env.AWS_LAMBDA_FUNCTION_VERSION, group: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
        stream: process.env.AWS_LAMBDA_LOG_STREAM_NAME, handler: process.env._HANDLER, region: process.env.AWS_REGION,
        execEnv: process.env.AWS_EXECUTION_ENV, custom: process.env.CUSTOM } };
    };`,
};

describe('Invoke', () => {
  test('the first invocation is cold (Init Duration), the next ones warm and served by the same environment', async () => {
    const name = await deploy(t.client, ECHO, { Environment: { Variables: { CUSTOM: 'yes' } } });
    const cold = await invoke(t.client, name, { n: 1 });
    expect(cold.report.initDurationMs).toBeGreaterThan(0);
    expect(cold.output.StatusCode).toBe(200);
    expect(cold.output.ExecutedVersion).toBe('$LATEST');
    expect(cold.output.FunctionError).toBeUndefined();
    const warm1 = await invoke(t.client, name, { n: 2 });
    const warm2 = await invoke(t.client, name, { n: 3 });
    for (const warm of [warm1, warm2]) expect(warm.report.initDurationMs).toBeUndefined();
    expect((warm2.json as { calls: number }).calls).toBe(3);
    const body = cold.json as { event: unknown; requestId: string; remaining: number; env: Record<string, string> };
    expect(body.event).toEqual({ n: 1 });
    expect(body.remaining).toBeGreaterThan(8000);
    expect(body.env).toMatchObject({
      name,
      memory: '512',
      version: '$LATEST',
      group: `/aws/lambda/${name}`,
      handler: 'index.handler',
      region: 'us-east-1',
      execEnv: 'AWS_Lambda_nodejs20.x',
      custom: 'yes',
    });
    expect(body.env.stream).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    expect(cold.report.requestId).toBe(body.requestId);
  });

  test("the tail log has START, prefixed console lines, END and a REPORT in Lambda's format", async () => {
    const name = await deploy(t.client, ECHO, { MemorySize: 256 });
    const { log, report } = await invoke(t.client, name, { hello: 'world' });
    const lines = log.split('\n').slice(0, -1);
    expect(lines[0]).toMatch(/^START RequestId: [0-9a-f-]{36} Version: \$LATEST$/);
    expect(lines[1]).toMatch(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z\t[0-9a-f-]{36}\tINFO\tevent {"hello":"world"}$/);
    expect(log).toContain('\tWARN\tcareful\nsecond line');
    expect(lines.at(-2)).toMatch(/^END RequestId: /);
    expect(lines.at(-1)).toMatch(
      /^REPORT RequestId: [0-9a-f-]{36}\tDuration: \d+\.\d{2} ms\tBilled Duration: \d+ ms\tMemory Size: 256 MB\tMax Memory Used: \d+ MB\tInit Duration: \d+\.\d{2} ms\t$/,
    );
    expect(report.memorySizeMb).toBe(256);
    expect(report.maxMemoryUsedMb).toBeGreaterThan(10);
    // INIT is billed: a cold start bills Init Duration + Duration, rounded up to the millisecond.
    expect(report.billedDurationMs).toBe(Math.ceil(report.durationMs + (report.initDurationMs ?? 0)));
  });

  test('a burst of 5 concurrent invocations on a fresh version yields 5 cold starts, then warm ones', async () => {
    const name = await deploy(t.client, {
      'index.js':
        'exports.handler = async () => { await new Promise((r) => setTimeout(r, 300)); return process.env.AWS_LAMBDA_LOG_STREAM_NAME; };',
    });
    const { Version } = await t.client.send(new PublishVersionCommand({ FunctionName: name }));
    const burst = await Promise.all(Array.from({ length: 5 }, () => invoke(t.client, name, {}, Version)));
    expect(burst.filter((r) => r.report.initDurationMs !== undefined)).toHaveLength(5);
    const environments = new Set(burst.map((r) => r.json));
    expect(environments.size).toBe(5);
    const again = await Promise.all(Array.from({ length: 5 }, () => invoke(t.client, name, {}, Version)));
    expect(again.filter((r) => r.report.initDurationMs !== undefined)).toHaveLength(0);
    expect(new Set(again.map((r) => r.json))).toEqual(environments);
  });

  test('a configuration change means new environments', async () => {
    const name = await deploy(t.client, ECHO);
    await invoke(t.client, name);
    expect((await invoke(t.client, name)).report.initDurationMs).toBeUndefined();
    await t.client.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, MemorySize: 1024 }));
    await waitUntilFunctionUpdatedV2({ client: t.client, maxWaitTime: 10, minDelay: 1 }, { FunctionName: name });
    const after = await invoke(t.client, name);
    expect(after.report.initDurationMs).toBeDefined();
    expect(after.report.memorySizeMb).toBe(1024);
  });

  test('CommonJS callback handlers, ESM modules and nested handler paths work', async () => {
    const callback = await deploy(
      t.client,
      { 'lib/cb.js': 'exports.go = (event, context, callback) => callback(null, { via: "callback", x: event.x });' },
      { Handler: 'lib/cb.go' },
    );
    expect((await invoke(t.client, callback, { x: 7 })).json).toEqual({ via: 'callback', x: 7 });
    const esm = await deploy(
      t.client,
      { 'app.mjs': 'export const handler = async (event) => ({ via: "esm", y: event.y });' },
      { Handler: 'app.handler', Runtime: 'nodejs22.x' },
    );
    expect((await invoke(t.client, esm, { y: 2 })).json).toEqual({ via: 'esm', y: 2 });
  });

  test('Event invocations answer 202 and run later; DryRun answers 204 and runs nothing', async () => {
    const name = await deploy(t.client, {
      'index.js': 'exports.handler = async (e) => { console.log("async-ran", e.mark); return 1; };',
    });
    const event = await t.client.send(
      new InvokeCommand({ FunctionName: name, InvocationType: 'Event', Payload: Buffer.from('{"mark":"m1"}') }),
    );
    expect(event.StatusCode).toBe(202);
    const dry = await t.client.send(new InvokeCommand({ FunctionName: name, InvocationType: 'DryRun' }));
    expect(dry.StatusCode).toBe(204);
    const deadline = Date.now() + 10_000;
    const ran = () =>
      t.service.logs
        .streams(`/aws/lambda/${name}`)
        .flatMap((s) => s.events)
        .filter((e) => e.message.includes('async-ran'));
    while (ran().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(ran()).toHaveLength(1);
    expect(ran()[0]?.message).toContain('async-ran m1');
  });

  test('JSON log format writes platform.report records', async () => {
    const name = await deploy(t.client, ECHO, { LoggingConfig: { LogFormat: 'JSON' } });
    const { log, report } = await invoke(t.client, name);
    expect(log).toContain('"type":"platform.report"');
    expect(report.initDurationMs).toBeGreaterThan(0);
    expect(report.memorySizeMb).toBe(512);
  });
});

describe('failures stay inside the invocation', () => {
  const errorOf = (payload: string) =>
    JSON.parse(payload) as { errorType: string; errorMessage: string; trace?: string[] };

  test('a thrown error is Unhandled with the error type, message and trace, and the environment stays warm', async () => {
    const name = await deploy(t.client, {
      'index.js':
        'class OrderError extends Error { constructor(m) { super(m); this.name = "OrderError"; } }\nexports.handler = async () => { throw new OrderError("no such order"); };',
    });
    const failed = await invoke(t.client, name);
    expect(failed.output.StatusCode).toBe(200);
    expect(failed.output.FunctionError).toBe('Unhandled');
    const body = errorOf(failed.payload);
    expect(body.errorType).toBe('OrderError');
    expect(body.errorMessage).toBe('no such order');
    expect(body.trace?.[0]).toContain('OrderError: no such order');
    expect(failed.log).toMatch(/Status: error\tError Type: OrderError\t$/m);
    expect((await invoke(t.client, name)).report.initDurationMs).toBeUndefined();
  });

  test('a handler that runs past its timeout is Sandbox.Timedout, and the next invocation is cold', async () => {
    const name = await deploy(
      t.client,
      {
        'index.js':
          'exports.handler = async (e) => { if (e.hang) await new Promise(() => setInterval(() => {}, 1000)); return "quick"; };',
      },
      { Timeout: 1 },
    );
    const timedOut = await invoke(t.client, name, { hang: true });
    expect(timedOut.output.FunctionError).toBe('Unhandled');
    expect(errorOf(timedOut.payload)).toEqual({
      errorType: 'Sandbox.Timedout',
      errorMessage: expect.stringMatching(/^RequestId: [0-9a-f-]+ Error: Task timed out after 1.00 seconds$/),
    });
    expect(timedOut.report.status).toBe('timeout');
    expect(timedOut.report.durationMs).toBeGreaterThanOrEqual(1000);
    expect(timedOut.log).toContain('Task timed out after 1.00 seconds');
    const next = await invoke(t.client, name);
    expect(next.json).toBe('quick');
    expect(next.report.initDurationMs).toBeDefined();
  });

  test('an environment that grows past its memory size is killed with Runtime.OutOfMemory', async () => {
    const name = await deploy(
      t.client,
      {
        'index.js':
          'exports.handler = async () => { const keep = []; for (let i = 0; i < 400; i++) { keep.push(Buffer.alloc(1024 * 1024, 1)); await new Promise((r) => setImmediate(r)); } return keep.length; };',
      },
      { MemorySize: 128 },
    );
    const oom = await invoke(t.client, name);
    expect(oom.output.FunctionError).toBe('Unhandled');
    expect(errorOf(oom.payload).errorType).toBe('Runtime.OutOfMemory');
    expect(oom.report.maxMemoryUsedMb).toBeGreaterThanOrEqual(128);
  });

  test('a function that exits mid-invocation fails with Runtime.ExitError; the service keeps serving', async () => {
    const name = await deploy(t.client, {
      'index.js': 'exports.handler = async (e) => { if (e.exit) process.exit(3); return "alive"; };',
    });
    const exited = await invoke(t.client, name, { exit: true });
    expect(errorOf(exited.payload)).toMatchObject({
      errorType: 'Runtime.ExitError',
      errorMessage: expect.stringContaining('exit status 3'),
    });
    expect((await invoke(t.client, name)).json).toBe('alive');
  });

  test('an unhandled promise rejection fails the invocation as Runtime.UnhandledPromiseRejection', async () => {
    const name = await deploy(t.client, {
      'index.js': 'exports.handler = (e, c, cb) => { Promise.reject(new Error("forgot to await")); };',
    });
    const failed = await invoke(t.client, name);
    expect(errorOf(failed.payload)).toMatchObject({
      errorType: 'Runtime.UnhandledPromiseRejection',
      errorMessage: 'forgot to await',
    });
  });

  test('a function that floods its output still answers, with a 4 KB tail', async () => {
    const name = await deploy(
      t.client,
      {
        'index.js':
          'exports.handler = async () => { for (let i = 0; i < 20000; i++) console.log("flood line " + i + " " + "x".repeat(100)); return "done"; };',
      },
      { MemorySize: 1024 },
    );
    const flooded = await invoke(t.client, name);
    expect(flooded.json).toBe('done');
    expect(Buffer.byteLength(flooded.log)).toBeLessThanOrEqual(4096);
    expect(flooded.log).toContain('flood line 19999');
    expect(flooded.report.durationMs).toBeGreaterThan(0);
  });

  test.each([
    [
      'a missing module is Runtime.ImportModuleError',
      { 'other.js': 'exports.handler = () => 1;' },
      'index.handler',
      'Runtime.ImportModuleError',
    ],
    [
      'a missing export is Runtime.HandlerNotFound',
      { 'index.js': 'exports.other = () => 1;' },
      'index.handler',
      'Runtime.HandlerNotFound',
    ],
    [
      'a malformed handler name is Runtime.MalformedHandlerName',
      { 'index.js': 'exports.handler = () => 1;' },
      'index',
      'Runtime.MalformedHandlerName',
    ],
    [
      'a syntax error is Runtime.UserCodeSyntaxError',
      { 'index.js': 'exports.handler = ( => 1;' },
      'index.handler',
      'Runtime.UserCodeSyntaxError',
    ],
  ])('INIT failure: %s', async (_label, files, handler, errorType) => {
    const name = await deploy(t.client, files, { Handler: handler });
    const failed = await invoke(t.client, name);
    expect(failed.output.FunctionError).toBe('Unhandled');
    expect(errorOf(failed.payload).errorType).toBe(errorType);
    expect(failed.report.initDurationMs).toBeDefined();
  });

  test('payloads over 6 MB are refused with RequestTooLargeException; non-JSON payloads with InvalidRequestContentException', async () => {
    const name = await deploy(t.client, ECHO);
    const big = Buffer.alloc(6 * 1024 * 1024 + 10, 'a');
    await expect(t.client.send(new InvokeCommand({ FunctionName: name, Payload: big }))).rejects.toMatchObject({
      name: 'RequestTooLargeException',
      $metadata: { httpStatusCode: 413 },
    });
    await expect(
      t.client.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from('not json') })),
    ).rejects.toMatchObject({ name: 'InvalidRequestContentException' });
  });

  test('a response over 6 MB fails as Function.ResponseSizeTooLarge', async () => {
    const name = await deploy(
      t.client,
      { 'index.js': 'exports.handler = async () => "y".repeat(7 * 1024 * 1024);' },
      { MemorySize: 1024 },
    );
    const failed = await invoke(t.client, name);
    expect(failed.output.FunctionError).toBe('Unhandled');
    expect(errorOf(failed.payload).errorType).toBe('Function.ResponseSizeTooLarge');
  });
});
