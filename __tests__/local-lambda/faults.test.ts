import { GetFunctionConfigurationCommand, InvokeCommand } from '@aws-sdk/client-lambda';
import { createLambdaClient } from '../../src/lambda/client.js';
import { deploy, invoke, startTestService, type TestService } from '../helpers/local-service.js';

const OK = { 'index.js': 'exports.handler = async () => "ok";' };

describe('fault injection', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({ cpuThrottle: false, faults: { seed: 7 } });
  });
  afterAll(() => t.close());
  afterEach(() => t.service.setFaults({ throttleRate: 0, errorRate: 0, killRate: 0 }));

  test('a throttle rate answers about that share of requests with 429 TooManyRequestsException', async () => {
    const name = await deploy(t.client, OK);
    t.service.setFaults({ throttleRate: 0.3 });
    let throttled = 0;
    for (let i = 0; i < 200; i++) {
      try {
        await t.client.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
      } catch (error) {
        expect(error).toMatchObject({ name: 'TooManyRequestsException', $metadata: { httpStatusCode: 429 } });
        throttled++;
      }
    }
    expect(throttled).toBeGreaterThan(35);
    expect(throttled).toBeLessThan(85);
  });

  test("an error rate answers 500 ServiceException, and the SDK's own retries get through", async () => {
    const name = await deploy(t.client, OK);
    t.service.setFaults({ errorRate: 0.2 });
    const plain = await Promise.allSettled(
      Array.from({ length: 60 }, () => t.client.send(new GetFunctionConfigurationCommand({ FunctionName: name }))),
    );
    const failed = plain.filter((r) => r.status === 'rejected');
    expect(failed.length).toBeGreaterThan(0);
    for (const f of failed)
      expect((f as PromiseRejectedResult).reason).toMatchObject({
        name: 'ServiceException',
        $metadata: { httpStatusCode: 500 },
      });
    const retrying = createLambdaClient({
      region: 'us-east-1',
      endpoint: t.service.endpoint,
      ...(t.service.accessKey ? { localKey: t.service.accessKey } : {}),
      maxAttempts: 6,
    });
    const results = await Promise.all(
      Array.from({ length: 20 }, () => retrying.send(new InvokeCommand({ FunctionName: name }))),
    );
    expect(results.every((r) => Buffer.from(r.Payload ?? []).toString() === '"ok"')).toBe(true);
    expect(results.some((r) => (r.$metadata.attempts ?? 1) > 1)).toBe(true);
    retrying.destroy();
  });

  test('a kill rate kills environments mid-invocation (Runtime.ExitError) and the next invocation starts cold', async () => {
    const name = await deploy(t.client, OK);
    await invoke(t.client, name);
    t.service.setFaults({ killRate: 1 });
    const killed = await invoke(t.client, name);
    expect(killed.output.FunctionError).toBe('Unhandled');
    expect(killed.json).toMatchObject({
      errorType: 'Runtime.ExitError',
      errorMessage: expect.stringContaining('signal: killed'),
    });
    t.service.setFaults({ killRate: 0 });
    const next = await invoke(t.client, name);
    expect(next.json).toBe('ok');
    expect(next.report.initDurationMs).toBeDefined();
  });

  test('fault options are checked', () => {
    expect(() => t.service.setFaults({ throttleRate: 1.5 })).toThrow(/throttleRate must be between 0 and 1/);
  });
});
