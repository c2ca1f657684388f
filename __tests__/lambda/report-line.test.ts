import { parseReportLine, parseReportLines } from '../../src/lambda/report-line.js';

describe('REPORT lines', () => {
  test('a cold start in text format, as Lambda writes it', () => {
    const line =
      'REPORT RequestId: 3f2a1c4e-8b7d-4e2a-9c1f-0a1b2c3d4e5f\tDuration: 15.74 ms\tBilled Duration: 147 ms\tMemory Size: 128 MB\tMax Memory Used: 56 MB\tInit Duration: 130.49 ms\t';
    expect(parseReportLine(line)).toEqual({
      requestId: '3f2a1c4e-8b7d-4e2a-9c1f-0a1b2c3d4e5f',
      durationMs: 15.74,
      billedDurationMs: 147,
      memorySizeMb: 128,
      maxMemoryUsedMb: 56,
      initDurationMs: 130.49,
      status: 'success',
    });
  });

  test('a warm invocation has no Init Duration', () => {
    const report = parseReportLine(
      'REPORT RequestId: a\tDuration: 2.10 ms\tBilled Duration: 3 ms\tMemory Size: 1024 MB\tMax Memory Used: 80 MB\t',
    );
    expect(report?.initDurationMs).toBeUndefined();
    expect(report?.billedDurationMs).toBe(3);
  });

  test('SnapStart reports Restore Duration and Billed Restore Duration instead of Init Duration', () => {
    const report = parseReportLine(
      'REPORT RequestId: b\tDuration: 40.00 ms\tBilled Duration: 41 ms\tMemory Size: 512 MB\tMax Memory Used: 120 MB\tRestore Duration: 210.33 ms\tBilled Restore Duration: 105 ms\t',
    );
    expect(report).toMatchObject({ restoreDurationMs: 210.33, billedRestoreDurationMs: 105 });
    expect(report?.initDurationMs).toBeUndefined();
  });

  test('a timed-out invocation keeps its status', () => {
    const report = parseReportLine(
      'REPORT RequestId: c\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 47 MB\tStatus: timeout',
    );
    expect(report?.status).toBe('timeout');
  });

  test("the JSON log format's platform.report record", () => {
    const record = JSON.stringify({
      time: '2024-05-01T12:00:00.000Z',
      type: 'platform.report',
      record: {
        requestId: 'd',
        metrics: {
          durationMs: 3.5,
          billedDurationMs: 4,
          memorySizeMB: 256,
          maxMemoryUsedMB: 70,
          initDurationMs: 200.1,
        },
        status: 'success',
      },
    });
    expect(parseReportLine(record)).toEqual({
      requestId: 'd',
      durationMs: 3.5,
      billedDurationMs: 4,
      memorySizeMb: 256,
      maxMemoryUsedMb: 70,
      initDurationMs: 200.1,
      status: 'success',
    });
  });

  test('a whole tail: only REPORT lines count, XRAY and application lines are skipped', () => {
    const tail = [
      'START RequestId: e Version: 3',
      '2024-05-01T12:00:00.000Z\te\tINFO\tREPORT this is application text',
      'END RequestId: e',
      'REPORT RequestId: e\tDuration: 1.00 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 50 MB\t',
      'XRAY TraceId: 1-abc SegmentId: def Sampled: true',
      '',
    ].join('\n');
    expect(parseReportLines(tail)).toHaveLength(1);
  });

  test('incomplete or foreign lines are not reports', () => {
    expect(parseReportLine('REPORT RequestId: f\tDuration: 1.00 ms\tBilled Duration: 1 ms\t')).toBeUndefined();
    expect(parseReportLine('REPORT RequestId: f\tDuration: 1.00 ms\tMemory Size: 128 MB\t')).toBeUndefined();
    expect(
      parseReportLine('REPORT RequestId: f\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 50 MB\t'),
    ).toBeUndefined();
    expect(parseReportLine('{"type":"platform.start","record":{}}')).toBeUndefined();
    expect(parseReportLine('{not json platform.report')).toBeUndefined();
  });

  describe('Lambda Managed Instances: Duration alone', () => {
    test('a text REPORT line with Duration only parses, marked, with nothing billed by duration', () => {
      expect(parseReportLine('REPORT RequestId: 0f9c2e7a-52f1-4b8e-9d3a-6c1e2b7f8a90\tDuration: 12.34 ms\t')).toEqual({
        requestId: '0f9c2e7a-52f1-4b8e-9d3a-6c1e2b7f8a90',
        durationMs: 12.34,
        billedDurationMs: 0,
        memorySizeMb: 0,
        maxMemoryUsedMb: 0,
        managedInstances: true,
        status: 'success',
      });
      expect(parseReportLine('REPORT RequestId: g\tDuration: 3000.00 ms\tStatus: timeout')).toMatchObject({
        managedInstances: true,
        status: 'timeout',
      });
    });

    test('a platform.report record with durationMs only parses the same way', () => {
      const record = JSON.stringify({
        time: '2026-01-05T09:00:00.000Z',
        type: 'platform.report',
        record: { requestId: 'h', metrics: { durationMs: 7.25 }, status: 'success' },
      });
      expect(parseReportLine(record)).toMatchObject({
        requestId: 'h',
        durationMs: 7.25,
        billedDurationMs: 0,
        managedInstances: true,
      });
    });

    test('a tail of concurrent invocations (no END lines) yields one report each', () => {
      const tail = [
        'START RequestId: i Version: 1',
        'START RequestId: j Version: 1',
        'REPORT RequestId: j\tDuration: 4.00 ms\t',
        'REPORT RequestId: i\tDuration: 9.50 ms\t',
      ].join('\n');
      expect(parseReportLines(tail).map((r) => [r.requestId, r.durationMs])).toEqual([
        ['j', 4],
        ['i', 9.5],
      ]);
    });

    test('an ordinary report is not marked', () => {
      expect(
        parseReportLine(
          'REPORT RequestId: a\tDuration: 2.10 ms\tBilled Duration: 3 ms\tMemory Size: 1024 MB\tMax Memory Used: 80 MB\t',
        )?.managedInstances,
      ).toBeUndefined();
    });
  });
});
