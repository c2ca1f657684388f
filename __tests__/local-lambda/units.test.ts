import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cgroups } from '../../src/local-lambda/host/cgroups.js';
import { cpuShare, CpuThrottle } from '../../src/local-lambda/host/cpu-throttle.js';
import { seededRandom } from '../../src/local-lambda/faults.js';
import { parseFunctionReference } from '../../src/local-lambda/control-plane/functions.js';
import { billedDuration, reportLine } from '../../src/local-lambda/logs/lines.js';
import { parseReportLine } from '../../src/lambda/report-line.js';
import { testIf } from '../helpers/host-needs.js';
import { checkMove, MOVES, type EnvironmentStateName } from '../../src/local-lambda/execution/environment.js';

describe('function references', () => {
  test.each([
    ['orders', { name: 'orders' }],
    ['orders:live', { name: 'orders', qualifier: 'live' }],
    ['orders:$LATEST', { name: 'orders', qualifier: '$LATEST' }],
    ['123456789012:function:orders', { name: 'orders' }],
    ['arn:aws:lambda:eu-west-1:123456789012:function:orders:7', { name: 'orders', qualifier: '7' }],
  ])('%s', (raw, expected) => {
    expect(parseFunctionReference(raw)).toEqual(expected);
  });

  test('a qualifier in the name must agree with the Qualifier parameter', () => {
    expect(parseFunctionReference('orders', '3')).toEqual({ name: 'orders', qualifier: '3' });
    expect(() => parseFunctionReference('orders:2', '3')).toThrow(/does not match/);
    expect(() => parseFunctionReference('has space')).toThrow(/validation error/);
  });
});

describe('billing and the REPORT line the service writes', () => {
  test('billed duration rounds up to the millisecond and includes INIT (billed since August 2025)', () => {
    expect(billedDuration(0.2)).toBe(1);
    expect(billedDuration(15.01)).toBe(16);
    expect(billedDuration(15.74, 130.49)).toBe(147);
    expect(billedDuration(1, 25_000)).toBe(10_001);
  });

  test("what the service writes, the gate's parser reads back", () => {
    const metrics = {
      requestId: 'r1',
      durationMs: 12.345,
      billedDurationMs: 13,
      memorySizeMb: 512,
      maxMemoryUsedMb: 64,
      initDurationMs: 99.5,
      status: 'success' as const,
    };
    for (const format of ['Text', 'JSON'] as const) {
      expect(parseReportLine(reportLine(format, metrics, new Date()))).toEqual({
        ...metrics,
        durationMs: 12.35,
        initDurationMs: 99.5,
      });
    }
  });
});

describe('CPU share and fault draws', () => {
  test('memory buys CPU at 1,769 MB per vCPU, capped at the host', () => {
    expect(cpuShare(1769, 2)).toBeCloseTo(1);
    expect(cpuShare(128, 2)).toBeCloseTo(0.0724, 3);
    expect(cpuShare(10240, 2)).toBe(2);
  });

  test('the fault PRNG is deterministic per seed and roughly uniform', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const draws = Array.from({ length: 10_000 }, () => a());
    expect(draws.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b()));
    const below = draws.filter((d) => d < 0.2).length;
    expect(below).toBeGreaterThan(1800);
    expect(below).toBeLessThan(2200);
  });
});

describe('CPU groups', () => {
  const ownsCpuController = readFileSync('/proc/self/cgroup', 'utf8')
    .split('\n')
    .some((line) => line.split(':')[1]?.split(',').includes('cpu'));

  // A plain directory stands in for the cgroup mount; unlike cgroupfs it cannot rmdir a group
  // holding its control files, so only the sweep of an empty leftover and the naming are checked.
  testIf(ownsCpuController, 'a cgroup cpu controller of its own')(
    'a group left by a dead service is swept, and each service gets a group of its own',
    () => {
      const mount = mkdtempSync(join(tmpdir(), 'lpg-cgroup-'));
      const own = readFileSync('/proc/self/cgroup', 'utf8')
        .split('\n')
        .find((line) => line.split(':')[1]?.split(',').includes('cpu'))!
        .split(':')[2]!;
      const parent = join(mount, 'cpu', own);
      mkdirSync(parent, { recursive: true });
      writeFileSync(join(mount, 'cpu', 'cpu.cfs_quota_us'), '-1');
      const stale = join(parent, 'lambda-perf-gate-999999999-abcdef');
      mkdirSync(join(stale, 'env-1'), { recursive: true });
      const cgroups = new Cgroups(['cpu'], mount);
      const throttle = new CpuThrottle(cgroups);
      expect(throttle.status.mechanism).toBe('cgroup-v1');
      expect(existsSync(stale)).toBe(false);
      const mine = readdirSync(parent).filter((name) => name.startsWith(`lambda-perf-gate-${process.pid}-`));
      expect(mine).toHaveLength(1);
      const group = cgroups.createGroup();
      const quota = throttle.attach(group, 512, 1);
      const file = (name: string): string => readFileSync(join(parent, mine[0]!, 'env-1', name), 'utf8');
      // A 20 ms period; INIT runs unthrottled, then each invocation gets the memory's quota afresh.
      expect(file('cpu.cfs_period_us')).toBe('20000');
      expect(file('cpu.cfs_quota_us')).toBe('-1');
      quota?.refill();
      expect(file('cpu.cfs_quota_us')).toBe(String(Math.round((512 / 1769) * 20000)));
      group?.remove();
      cgroups.dispose();
      rmSync(mount, { recursive: true, force: true });
    },
  );
});

describe("an execution environment's states", () => {
  const reachable = (from: EnvironmentStateName): Set<EnvironmentStateName> => {
    const seen = new Set<EnvironmentStateName>([from]);
    const queue = [from];
    for (let state = queue.pop(); state !== undefined; state = queue.pop()) {
      for (const next of MOVES[state]) {
        if (seen.has(next)) continue;
        seen.add(next);
        queue.push(next);
      }
    }
    return seen;
  };

  test('every state can be reached from booting, and every state can end dead', () => {
    expect([...reachable('booting')].sort()).toEqual(Object.keys(MOVES).sort());
    for (const state of Object.keys(MOVES) as EnvironmentStateName[]) expect(reachable(state).has('dead')).toBe(true);
  });

  test('dead is the end; nothing boots again; a killed one only dies; only a finished one idles', () => {
    expect(MOVES.dead).toEqual([]);
    expect(MOVES.dying).toEqual(['dead']);
    for (const moves of Object.values(MOVES)) expect(moves).not.toContain('booting');
    const intoIdle = (Object.keys(MOVES) as EnvironmentStateName[]).filter((state) => MOVES[state].includes('idle'));
    expect(intoIdle.sort()).toEqual(['booting', 'finishing']);
    // An environment with an invocation in flight never goes straight back to idle.
    expect(MOVES.running).not.toContain('idle');
  });

  test('a move the table does not list throws, naming the environment and both states', () => {
    expect(() => checkMove('e1', 'running', 'finishing')).not.toThrow();
    expect(() => checkMove('e1', 'running', 'idle')).toThrow('environment e1 cannot go from running to idle');
    expect(() => checkMove('e1', 'dead', 'running')).toThrow(/from dead to running/);
  });
});
