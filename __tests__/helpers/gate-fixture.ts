import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Backend } from '../../src/gate/run-gate.js';
import type { AccessKey } from '../../src/model/access-key.js';
import { realSleep, type RetryPolicy } from '../../src/lambda/retry.js';
import type { FaultOptions } from '../../src/local-lambda/faults.js';
import { localBackend } from '../../src/gate/backend.js';
import { startLocalLambda, type LocalLambda } from '../../src/local-lambda/service.js';

/** The gate's own retries, with short waits for tests. */
export const FAST_RETRY: RetryPolicy = { attempts: 10, baseMs: 5, capMs: 100, sleep: realSleep, random: Math.random };

interface GateFixture {
  readonly service: LocalLambda;
  readonly backend: Backend;
  /** The service's key: every client and gate run against it signs with it. */
  readonly localKey: AccessKey;
  /** A new project directory with `baseline/index.js` and `candidate/index.js`; returns its path. */
  writeBuilds(baselineCode: string, candidateCode: string): string;
  close(): Promise<void>;
}

/** A local Lambda service and a scratch directory for projects the gate measures. */
async function startGateFixture(): Promise<GateFixture> {
  const service = await startLocalLambda({ idleTimeoutMs: 60_000, requireAuth: true });
  const info = service.info();
  const localKey = service.accessKey;
  if (!localKey) throw new Error('the gate fixture starts its service with requireAuth, so it has a key');
  const work = mkdtempSync(join(tmpdir(), 'lpg-gate-'));
  let counter = 0;
  return {
    service,
    backend: localBackend(info),
    localKey,
    writeBuilds: (baselineCode, candidateCode) => {
      const root = join(work, `p${++counter}`);
      for (const [build, code] of [
        ['baseline', baselineCode],
        ['candidate', candidateCode],
      ] as const) {
        mkdirSync(join(root, build), { recursive: true });
        writeFileSync(join(root, build, 'index.js'), code);
      }
      return root;
    },
    close: async () => {
      await service.stop();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

export interface GateFixtureRef {
  fixture: GateFixture;
  service: LocalLambda;
  backend: Backend;
  localKey: AccessKey;
  /** A scratch directory for files a test needs beside its projects. */
  scratch: string;
}

/** Starts a fixture for the test file and resets the faults a test may set after each test. */
export function useGateFixture(resetFaults: Partial<FaultOptions>): GateFixtureRef {
  const ref = {} as GateFixtureRef;
  beforeAll(async () => {
    ref.fixture = await startGateFixture();
    ref.service = ref.fixture.service;
    ref.backend = ref.fixture.backend;
    ref.localKey = ref.fixture.localKey;
    ref.scratch = ref.fixture.writeBuilds('', '');
  });
  afterAll(() => ref.fixture.close());
  afterEach(() => ref.service.setFaults(resetFaults));
  return ref;
}
