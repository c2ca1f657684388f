import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { probeBackend } from '../../src/gate/backend.js';
import { startTestService, type TestService } from '../helpers/local-service.js';

// A service told not to throttle, freeze or give a private /tmp is a host that cannot: the gate
// learns each shortfall and the host's architecture from /local/info, for every report.
describe('the local backend tells the gate where it differs from Lambda', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService({ cpuThrottle: false, freeze: false, privateTmp: false });
  });
  afterAll(() => svc.close());

  test('its limitations and architecture arrive in the backend the gate reports from', async () => {
    const info = svc.service.info();
    expect(info.hostArchitecture).toBe(process.arch === 'arm64' ? 'arm64' : 'x86_64');
    expect(info.limitations.length).toBeGreaterThanOrEqual(3);
    expect(info.limitations.join(' ')).toMatch(/\/tmp is NOT private/);
    const backend = await probeBackend(svc.service.endpoint);
    expect(backend).toMatchObject({
      kind: 'local',
      cpuScaledByMemory: false,
      hostArchitecture: info.hostArchitecture,
      limitations: info.limitations,
    });
  });

  test("a service that does not name its host's architecture gets none made up from the gate's own host", async () => {
    const older = createServer((_request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ cpuThrottling: { enabled: true, statement: 'CPU scales with memory.' } }));
    });
    await new Promise<void>((resolve) => older.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = older.address() as AddressInfo;
      const backend = await probeBackend(`http://127.0.0.1:${port}`);
      expect(backend).toMatchObject({ kind: 'local', cpuScaledByMemory: true, limitations: [] });
      expect(backend.hostArchitecture).toBeUndefined();
    } finally {
      await new Promise((resolve) => older.close(resolve));
    }
  });

  test('AWS has neither', async () => {
    const aws = await probeBackend(undefined);
    expect(aws.hostArchitecture).toBeUndefined();
    expect(aws.limitations).toBeUndefined();
  });
});
