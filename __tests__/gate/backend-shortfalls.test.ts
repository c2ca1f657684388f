import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../../src/config/load.js';
import { checkForBackend, probeBackend } from '../../src/gate/backend.js';
import { startTestService, type TestService } from '../helpers/local-service.js';

/** What the gate makes of an endpoint whose every answer is `body`, with `status`. */
async function probeStandIn(body: string, status = 200) {
  const standIn = createServer((_request, response) => {
    response.statusCode = status;
    response.end(body);
  });
  await new Promise<void>((resolve) => standIn.listen(0, '127.0.0.1', resolve));
  try {
    return await probeBackend(`http://127.0.0.1:${(standIn.address() as AddressInfo).port}`);
  } finally {
    await new Promise((resolve) => standIn.close(resolve));
  }
}

// A service on the wall clock told not to throttle, freeze or give a private /tmp is a host that
// cannot: the gate learns each shortfall and the host's architecture from /local/info, for every
// report.
describe('the local backend tells the gate where it differs from Lambda', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({ clock: 'wall', cpuThrottle: false, freeze: false, privateTmp: false });
  });
  afterAll(() => svc.close());

  test('its limitations and architecture arrive in the backend the gate reports from', async () => {
    const info = svc.service.info();
    expect(info.hostArchitecture).toBe(process.arch === 'arm64' ? 'arm64' : 'x86_64');
    expect(info.limitations.length).toBeGreaterThanOrEqual(3);
    expect(info.limitations.join(' ')).toMatch(/\/tmp is NOT private/);
    const backend = await probeBackend(svc.service.endpoint, 'us-east-1', svc.service.accessKey);
    expect(backend).toMatchObject({
      kind: 'local',
      cpuScaledByMemory: false,
      hostArchitecture: info.hostArchitecture,
      limitations: info.limitations,
    });
  });

  test('the clock that measured arrives too; the model clock scales CPU time with memory by itself', async () => {
    const wall = await probeBackend(svc.service.endpoint, 'us-east-1', svc.service.accessKey);
    expect(wall.clock).toEqual({ kind: 'wall', statement: expect.stringMatching(/wall clock \(asked for\)/) });
    const model = await startTestService({ cpuThrottle: false });
    try {
      const info = model.service.info();
      expect(info.clock.kind).toBe('model');
      expect(info.cpuThrottling.enabled).toBe(false);
      const backend = await probeBackend(model.service.endpoint, 'us-east-1', model.service.accessKey);
      expect(backend).toMatchObject({ kind: 'local', cpuScaledByMemory: true, clock: info.clock });
    } finally {
      await model.close();
    }
  });

  test("a service that does not name its host's architecture gets none made up from the gate's own host", async () => {
    const older = JSON.stringify({ cpuThrottling: { enabled: true, statement: 'CPU scales with memory.' } });
    const backend = await probeStandIn(older);
    expect(backend).toMatchObject({ kind: 'local', cpuScaledByMemory: true, limitations: [] });
    expect(backend.hostArchitecture).toBeUndefined();
  });

  test('an endpoint that answers /local/info with a page or with null is another Lambda-compatible endpoint', async () => {
    for (const body of ['<html>Welcome</html>', 'null']) {
      const backend = await probeStandIn(body);
      expect(backend).toMatchObject({
        kind: 'endpoint',
        statement: expect.stringContaining('Lambda-compatible endpoint'),
      });
    }
  });

  test('the probe signs /local/info with the key it is given, for the region it is given', async () => {
    const info = svc.service.info();
    const key = svc.service.accessKey;
    expect(info.requireAuth).toBe(true);
    expect((await fetch(`${svc.service.endpoint}/local/info`)).status).toBe(403);
    expect(await probeBackend(svc.service.endpoint, 'us-east-1', key)).toMatchObject({
      kind: 'local',
      limitations: info.limitations,
    });
    // No key kept anywhere in the process: without it (and none in the environment) the probe is
    // refused, yet known as the local service by its answer's header (so no IAM role is asked for),
    // with its facts unknown and said so. The same, signed for a region the service does not answer for.
    const refused = {
      kind: 'local',
      cpuScaledByMemory: false,
      statement: expect.stringContaining('refused to state its facts (HTTP 403)'),
      limitations: [],
    };
    const saved = { ...process.env };
    try {
      delete process.env.AWS_ACCESS_KEY_ID;
      delete process.env.AWS_SECRET_ACCESS_KEY;
      expect(await probeBackend(svc.service.endpoint)).toMatchObject(refused);
    } finally {
      process.env = saved;
    }
    expect(await probeBackend(svc.service.endpoint, 'eu-west-1', key)).toMatchObject(refused);
  });

  test("a service started elsewhere is probed with the runner's own key, as its --require-auth printed it", async () => {
    const other = await startTestService({ cpuThrottle: false });
    const saved = { ...process.env };
    try {
      const key = other.service.accessKey!;
      Object.assign(process.env, { AWS_ACCESS_KEY_ID: key.accessKeyId, AWS_SECRET_ACCESS_KEY: key.secretAccessKey });
      delete process.env.AWS_SESSION_TOKEN;
      const elsewhere = other.service.endpoint;
      expect(await probeBackend(elsewhere)).toMatchObject({
        kind: 'local',
        limitations: other.service.info().limitations,
      });
      process.env.AWS_SECRET_ACCESS_KEY = 'wrong';
      expect(await probeBackend(elsewhere)).toMatchObject({
        kind: 'local',
        statement: expect.stringContaining('refused'),
      });
    } finally {
      process.env = saved;
      await other.close();
    }
  });

  test('a 403 from an endpoint whose key this process does not hold is another Lambda-compatible endpoint, not a crash', async () => {
    const refused = JSON.stringify({ Type: 'User', message: 'Missing Authentication Token' });
    expect(await probeStandIn(refused, 403)).toMatchObject({
      kind: 'endpoint',
      statement: expect.stringContaining('Lambda-compatible endpoint'),
    });
  });

  test('AWS has neither', async () => {
    const aws = await probeBackend(undefined);
    expect(aws.hostArchitecture).toBeUndefined();
    expect(aws.limitations).toBeUndefined();
  });
});

describe('what the backend decides before any call: a role', () => {
  test('a function without a role or a template is refused on AWS and on another endpoint, naming where; the local service needs none', () => {
    const root = mkdtempSync(join(tmpdir(), 'lpg-role-'));
    try {
      for (const build of ['baseline', 'candidate']) {
        mkdirSync(join(root, build));
        writeFileSync(join(root, build, 'index.js'), 'exports.handler = async () => 1;');
      }
      const source = join(root, 'lambda-perf.yml');
      const config = validateConfig(
        {
          region: 'us-east-1',
          functions: [
            {
              name: 'roleless',
              runtime: 'nodejs20.x',
              handler: 'index.handler',
              baseline: './baseline',
              candidate: './candidate',
              exemplars: [{ name: 'one', event: {} }],
            },
          ],
        },
        source,
      );
      const refusal = (kind: 'aws' | 'endpoint' | 'local'): string => {
        try {
          checkForBackend(config, { kind, cpuScaledByMemory: kind !== 'local', statement: '' }, source);
          return 'accepted';
        } catch (error) {
          return (error as Error).message;
        }
      };
      expect(refusal('aws')).toContain('functions[0].role: required on AWS when no template is given');
      expect(refusal('endpoint')).toContain(
        'functions[0].role: required on a Lambda-compatible endpoint, as on AWS, when no template is given',
      );
      expect(refusal('aws')).toContain(source);
      expect(refusal('local')).toBe('accepted');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
