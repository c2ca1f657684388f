import { platformInvocations } from '../../src/lambda/platform-lines.js';

const report = (id: string, ms: number): string =>
  `REPORT RequestId: ${id}\tDuration: ${ms.toFixed(2)} ms\tBilled Duration: ${Math.ceil(ms)} ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB\t`;
/** One invocation as Lambda logs it, with what the function printed in between. */
const invocation = (id: string, ms: number, printed: string[] = []): string[] => [
  `START RequestId: ${id} Version: 3`,
  ...printed,
  `END RequestId: ${id}`,
  report(id, ms),
];
const ids = [
  '3f1c2a9e-0b7d-4c1e-9a55-1d2e3f4a5b6c',
  '8d0e4b72-55aa-4f0c-8e1b-2c3d4e5f6a7b',
  'c2b7e1d0-9f3a-4b6c-a1d2-e3f4a5b6c7d8',
];
const [a, b, c] = ids as [string, string, string];

describe('only the REPORT lines Lambda wrote count', () => {
  test('a plain stream: every invocation, in order, nothing ignored', () => {
    const read = platformInvocations([
      'INIT_START Runtime Version: nodejs:20.v48',
      ...invocation(a, 10),
      ...invocation(b, 11),
      `XRAY TraceId: 1-x SegmentId: y Sampled: true`,
      ...invocation(c, 12),
    ]);
    expect(read.reports.map((r) => [r.requestId, r.durationMs])).toEqual([
      [a, 10],
      [b, 11],
      [c, 12],
    ]);
    expect(read.starts).toBe(3);
    expect(read.ignored).toBe(0);
  });

  test('REPORT lines a function prints, with made-up ids, whole made-up invocations, or its own id, are not counted', () => {
    const made = '00000000-0000-4000-8000-000000000000';
    const printed = (own: string) => [
      `2026-11-23T10:00:00.000Z\t${own}\tINFO\thello`,
      report('11111111-2222-4333-8444-555555555555', 0.01),
      `START RequestId: ${made} Version: 3`,
      `END RequestId: ${made}`,
      report(made, 0.01),
      `END RequestId: ${own}`,
      report(own, 0.01),
    ];
    const read = platformInvocations([
      ...invocation(a, 10, printed(a)),
      ...invocation(b, 11, printed(b)),
      ...invocation(c, 12, printed(c)),
    ]);
    expect(read.reports.map((r) => [r.requestId, r.durationMs])).toEqual([
      [a, 10],
      [b, 11],
      [c, 12],
    ]);
    expect(read.starts).toBe(3);
    expect(read.ignored).toBe(9);
  });

  test('the JSON log format is read alike', () => {
    const json = (id: string, ms: number, printed: string[] = []): string[] => [
      JSON.stringify({ time: 't', type: 'platform.start', record: { requestId: id, version: '3' } }),
      ...printed,
      JSON.stringify({ time: 't', type: 'platform.runtimeDone', record: { requestId: id, status: 'success' } }),
      JSON.stringify({
        time: 't',
        type: 'platform.report',
        record: {
          requestId: id,
          metrics: { durationMs: ms, billedDurationMs: Math.ceil(ms), memorySizeMB: 128, maxMemoryUsedMB: 40 },
          status: 'success',
        },
      }),
    ];
    const forged = json('99999999-9999-4999-8999-999999999999', 0.01);
    const read = platformInvocations([...json(a, 10, forged), ...json(b, 11, forged)]);
    expect(read.reports.map((r) => r.durationMs)).toEqual([10, 11]);
    expect(read.ignored).toBe(2);
  });

  test('an invocation under way counts as started, not reported; one whose START fell before the window is left out', () => {
    const read = platformInvocations([
      `output of an invocation begun earlier`,
      `END RequestId: ${a}`,
      report(a, 10),
      ...invocation(b, 11),
      `START RequestId: ${c} Version: 3`,
      `printing ${c}`,
    ]);
    expect(read.reports.map((r) => r.requestId)).toEqual([b]);
    expect(read.starts).toBe(2);
  });

  test('a START a function prints inside its own output does not make an invocation under way', () => {
    const read = platformInvocations(invocation(a, 10, [`START RequestId: ${b} Version: 3`]));
    expect(read.reports.map((r) => r.requestId)).toEqual([a]);
    expect(read.starts).toBe(1);
  });
});
