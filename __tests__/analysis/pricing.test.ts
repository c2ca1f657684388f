import { billedColdMs, blendedPricePerGbSecond, estimateCost, marginalPricePerGbSecond, requestPriceUsd } from '../../src/analysis/pricing.js';

describe('pricing (us-east-1 list prices)', () => {
  test('128 MB for 100 ms on x86: 0.0125 GB-s at $0.0000166667 plus the $0.20 per million request charge', () => {
    const cost = estimateCost({ memoryMb: 128, architecture: 'x86_64', region: 'us-east-1', warmBilledMs: 100, coldBilledMs: 100, coldStartRate: 0, invocationsPerMonth: 1e6 });
    expect(cost.perInvocationUsd).toBeCloseTo(0.0125 * 0.0000166667 + 0.2 / 1e6, 15);
    expect(cost.perMillionUsd).toBeCloseTo(0.408334, 5);
    expect(cost.monthlyUsd).toBeCloseTo(0.408334, 5);
  });

  test('arm64 is priced at $0.0000133334 per GB-s', () => {
    expect(blendedPricePerGbSecond('arm64', 'us-east-1', 1000)).toBeCloseTo(0.0000133334, 12);
  });

  test('tiers: 7 billion GB-s of x86 in a month cost 6e9 x 0.0000166667 + 1e9 x 0.000015', () => {
    const price = blendedPricePerGbSecond('x86_64', 'us-east-1', 7e9);
    expect(price * 7e9).toBeCloseTo(6e9 * 0.0000166667 + 1e9 * 0.000015, 0);
    expect(blendedPricePerGbSecond('x86_64', 'us-east-1', 20e9) * 20e9).toBeCloseTo(6e9 * 0.0000166667 + 9e9 * 0.000015 + 5e9 * 0.0000133334, 0);
  });

  test('regions with higher prices are scaled (ap-east-1: 2.9e-9 against 2.1e-9 per ms at 128 MB)', () => {
    expect(blendedPricePerGbSecond('x86_64', 'ap-east-1', 1) / blendedPricePerGbSecond('x86_64', 'us-east-1', 1)).toBeCloseTo(2.9 / 2.1, 10);
  });

  test('INIT is billed: 1% cold starts with 400 ms billed INIT add to the expected cost', () => {
    const warmOnly = estimateCost({ memoryMb: 1024, architecture: 'x86_64', region: 'us-east-1', warmBilledMs: 20, coldBilledMs: 20, coldStartRate: 0.01, invocationsPerMonth: 1e6 });
    const withInit = estimateCost({ memoryMb: 1024, architecture: 'x86_64', region: 'us-east-1', warmBilledMs: 20, coldBilledMs: 420, coldStartRate: 0.01, invocationsPerMonth: 1e6 });
    expect(withInit.perInvocationUsd - warmOnly.perInvocationUsd).toBeCloseTo(0.01 * 0.4 * 1 * 0.0000166667, 15);
    expect(withInit.breakdownPerMillionUsd.coldStarts).toBeCloseTo(0.01 * 0.4 * 0.0000166667 * 1e6, 9);
  });

  test('a cold start bills INIT + Duration even where the REPORT line predates INIT billing (INIT capped at 10 s)', () => {
    expect(billedColdMs(16, 15.74, 130.49)).toBe(147);
    expect(billedColdMs(147, 15.74, 130.49)).toBe(147);
    expect(billedColdMs(1, 1, 12_000)).toBe(10_001);
  });

  test('SnapStart adds restore per GB and the monthly snapshot cache', () => {
    const plain = estimateCost({ memoryMb: 2048, architecture: 'x86_64', region: 'us-east-1', warmBilledMs: 10, coldBilledMs: 200, coldStartRate: 0.1, invocationsPerMonth: 1e6 });
    const snap = estimateCost({ memoryMb: 2048, architecture: 'x86_64', region: 'us-east-1', warmBilledMs: 10, coldBilledMs: 200, coldStartRate: 0.1, invocationsPerMonth: 1e6, snapStart: true });
    expect(snap.perInvocationUsd - plain.perInvocationUsd).toBeCloseTo(0.1 * 2 * 0.0001397998, 12);
    expect(snap.monthlyUsd - snap.perInvocationUsd * 1e6).toBeCloseTo(2 * 730 * 3600 * 0.0000015046, 6);
  });
});

describe('pricing corrections of issue 10', () => {
  const base = { memoryMb: 2048, architecture: 'x86_64' as const, region: 'us-east-1', warmBilledMs: 10, coldBilledMs: 200, coldStartRate: 0.1, invocationsPerMonth: 1e6 };

  test('SnapStart is free for Java and charged for Python and .NET', () => {
    const plain = estimateCost(base);
    expect(estimateCost({ ...base, snapStart: true, runtime: 'java21' }).monthlyUsd).toBeCloseTo(plain.monthlyUsd, 10);
    for (const runtime of ['python3.13', 'dotnet8']) {
      expect(estimateCost({ ...base, snapStart: true, runtime }).monthlyUsd).toBeGreaterThan(plain.monthlyUsd);
    }
  });

  test('regional request prices: eu-south-1 charges $0.23 per million, ap-southeast-5 $0.18', () => {
    expect(requestPriceUsd('eu-south-1')).toBeCloseTo(0.23 / 1e6, 15);
    expect(requestPriceUsd('ap-southeast-5')).toBeCloseTo(0.18 / 1e6, 15);
    expect(requestPriceUsd('eu-west-1')).toBeCloseTo(0.2 / 1e6, 15);
    expect(estimateCost({ ...base, region: 'eu-south-1' }).breakdownPerMillionUsd.requests).toBeCloseTo(0.23, 10);
  });

  test('ap-northeast-3 is priced as us-east-1', () => {
    expect(blendedPricePerGbSecond('x86_64', 'ap-northeast-3', 1)).toBe(blendedPricePerGbSecond('x86_64', 'us-east-1', 1));
  });

  test("tiers follow the account's volume, not one function's: a big function alone pays the first tier", () => {
    const big = { ...base, warmBilledMs: 1000, coldStartRate: 0, memoryMb: 10240, invocationsPerMonth: 1e9 };
    // 10 GB-s x 1e9 = 1e10 GB-s of this function alone would cross the 6 billion tier boundary.
    expect(estimateCost(big).pricePerGbSecond).toBeCloseTo(0.0000166667, 12);
    // In an account of 20 billion GB-s, its 10 billion are the top ones: 5e9 at the third tier, 5e9 at the second.
    const inBigAccount = estimateCost({ ...big, accountGbSecondsPerMonth: 20e9 });
    expect(inBigAccount.pricePerGbSecond).toBeCloseTo((5e9 * 0.000015 + 5e9 * 0.0000133334) / 1e10, 12);
    expect(marginalPricePerGbSecond('x86_64', 'us-east-1', 1e6, 1e6)).toBeCloseTo(0.0000166667, 12);
  });
});
