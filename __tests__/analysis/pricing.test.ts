import { billedColdMs, estimateCost, estimateManagedInstancesCost } from '../../src/analysis/cost.js';
import { managedInstancePrice } from '../../src/pricing/managed-instances.js';
import {
  blendedPricePerGbSecond,
  marginalPricePerGbSecond,
  priceTable,
  requestPriceUsd,
  unpricedRegionProblem,
} from '../../src/pricing/price-list.js';
import { validateConfig } from '../../src/config/load.js';
import { armStats } from '../../src/analysis/arm-stats.js';
import { fixtureSamples } from '../helpers/fixture-samples.js';

describe('pricing (us-east-1 list prices)', () => {
  test('128 MB for 100 ms on x86: 0.0125 GB-s at $0.0000166667 plus the $0.20 per million request charge', () => {
    const cost = estimateCost({
      memoryMb: 128,
      architecture: 'x86_64',
      region: 'us-east-1',
      warmBilledMs: 100,
      coldBilledMs: 100,
      coldStartRate: 0,
      invocationsPerMonth: 1e6,
    });
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
    expect(blendedPricePerGbSecond('x86_64', 'us-east-1', 20e9) * 20e9).toBeCloseTo(
      6e9 * 0.0000166667 + 9e9 * 0.000015 + 5e9 * 0.0000133334,
      0,
    );
  });

  test('INIT is billed: 1% cold starts with 400 ms billed INIT add to the expected cost', () => {
    const warmOnly = estimateCost({
      memoryMb: 1024,
      architecture: 'x86_64',
      region: 'us-east-1',
      warmBilledMs: 20,
      coldBilledMs: 20,
      coldStartRate: 0.01,
      invocationsPerMonth: 1e6,
    });
    const withInit = estimateCost({
      memoryMb: 1024,
      architecture: 'x86_64',
      region: 'us-east-1',
      warmBilledMs: 20,
      coldBilledMs: 420,
      coldStartRate: 0.01,
      invocationsPerMonth: 1e6,
    });
    expect(withInit.perInvocationUsd - warmOnly.perInvocationUsd).toBeCloseTo(0.01 * 0.4 * 1 * 0.0000166667, 15);
    expect(withInit.breakdownPerMillionUsd.coldStarts).toBeCloseTo(0.01 * 0.4 * 0.0000166667 * 1e6, 9);
  });

  test('a cold start bills INIT + Duration even where the REPORT line predates INIT billing (INIT capped at 10 s)', () => {
    expect(billedColdMs(16, 15.74, 130.49)).toBe(147);
    expect(billedColdMs(147, 15.74, 130.49)).toBe(147);
    expect(billedColdMs(1, 1, 12_000)).toBe(10_001);
  });

  test('SnapStart adds restore per GB and the monthly snapshot cache', () => {
    const usage = {
      memoryMb: 2048,
      architecture: 'x86_64',
      region: 'us-east-1',
      warmBilledMs: 10,
      coldBilledMs: 200,
      coldStartRate: 0.1,
      invocationsPerMonth: 1e6,
    } as const;
    const plain = estimateCost(usage);
    const snap = estimateCost({ ...usage, snapStart: true });
    expect(snap.perInvocationUsd - plain.perInvocationUsd).toBeCloseTo(0.1 * 2 * 0.0001397998, 12);
    expect(snap.monthlyUsd - snap.perInvocationUsd * 1e6).toBeCloseTo(2 * 730 * 3600 * 0.0000015046, 6);
  });
});

describe('pricing corrections of issue 10', () => {
  const base = {
    memoryMb: 2048,
    architecture: 'x86_64' as const,
    region: 'us-east-1',
    warmBilledMs: 10,
    coldBilledMs: 200,
    coldStartRate: 0.1,
    invocationsPerMonth: 1e6,
  };

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
    expect(blendedPricePerGbSecond('x86_64', 'ap-northeast-3', 1)).toBe(
      blendedPricePerGbSecond('x86_64', 'us-east-1', 1),
    );
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

describe("the price table (data/lambda-prices.json, from AWS's price list)", () => {
  const firstTier = (region: string, architecture: 'x86_64' | 'arm64'): number =>
    blendedPricePerGbSecond(architecture, region, 0);

  test('names its source and date', () => {
    expect(priceTable().source.description).toMatch(/lambda\.json/);
    expect(priceTable().source.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  test.each([
    // region, x86 GB-s, arm64 GB-s, request (per million), ephemeral storage per GB-s
    ['us-east-1', 0.0000166667, 0.0000133334, 0.2, 0.0000000309],
    ['ap-northeast-3', 0.0000166667, 0.0000133334, 0.2, 0.000000037],
    ['eu-south-1', 0.0000195172, 0.0000156138, 0.23, 0.0000000357],
    ['af-south-1', 0.0000221, 0.00001768, 0.27, 0.0000000404],
    ['ap-east-1', 0.00002292, 0.0000183, 0.28, 0.0000000407],
    ['me-south-1', 0.0000206667, 0.0000165334, 0.25, 0.0000000374],
    ['eu-central-2', 0.0000183334, 0.0000146667, 0.22, 0.0000000441],
    ['ap-southeast-5', 0.000015, 0.000012, 0.18, 0.0000000333],
  ])('%s: x86 %d, arm64 %d per GB-s, $%d per million requests, storage %d', (region, x86, arm, perMillion, storage) => {
    expect(firstTier(region, 'x86_64')).toBe(x86);
    expect(firstTier(region, 'arm64')).toBe(arm);
    expect(requestPriceUsd(region, 'x86_64') * 1e6).toBeCloseTo(perMillion, 10);
    expect(requestPriceUsd(region, 'arm64') * 1e6).toBeCloseTo(perMillion, 10);
    expect(priceTable().regions[region]!.x86_64.ephemeralStorageUsdPerGbSecond).toBe(storage);
  });

  test('arm64 is never x86 times a factor: the ratio differs between regions', () => {
    const ratios = ['us-east-1', 'af-south-1', 'ap-east-1', 'ap-southeast-5'].map(
      (r) => firstTier(r, 'arm64') / firstTier(r, 'x86_64'),
    );
    expect(new Set(ratios.map((r) => r.toFixed(6))).size).toBeGreaterThan(1);
  });

  test('a region the table lacks (me-central-1) is refused at config validation, naming the key and value', () => {
    expect(unpricedRegionProblem('me-central-1')).toMatch(/^region: "me-central-1" has no Lambda prices/);
    expect(unpricedRegionProblem('us-east-1')).toBeUndefined();
    const document = {
      region: 'me-central-1',
      functions: [
        {
          name: 'f',
          runtime: 'nodejs20.x',
          handler: 'index.handler',
          candidate: '.',
          baseline: '.',
          exemplars: [{ name: 'e', payload: 'event.json' }],
        },
      ],
    };
    expect(() => validateConfig(document, 'lambda-perf.yml', { env: {} })).toThrow(
      /lambda-perf\.yml[\s\S]*region: "me-central-1" has no Lambda prices/,
    );
    expect(() =>
      estimateCost({
        memoryMb: 128,
        architecture: 'x86_64',
        region: 'me-central-1',
        warmBilledMs: 1,
        coldBilledMs: 1,
        coldStartRate: 0,
        invocationsPerMonth: 1,
      }),
    ).toThrow(/me-central-1/);
  });

  test('ephemeral storage above 512 MB is billed per GB-second of duration at the regional price', () => {
    const base = {
      memoryMb: 1024,
      architecture: 'x86_64' as const,
      warmBilledMs: 1000,
      coldBilledMs: 1000,
      coldStartRate: 0,
      invocationsPerMonth: 1e6,
    };
    const free = estimateCost({ ...base, region: 'us-east-1', ephemeralStorageMb: 512 });
    expect(free.breakdownPerMillionUsd.ephemeralStorage).toBe(0);
    // 10,240 MB: 9.5 GB above the free 512 MB, for 1 s per invocation.
    const big = estimateCost({ ...base, region: 'us-east-1', ephemeralStorageMb: 10240 });
    expect(big.breakdownPerMillionUsd.ephemeralStorage).toBeCloseTo(9.5 * 0.0000000309 * 1e6, 9);
    expect(big.perInvocationUsd - free.perInvocationUsd).toBeCloseTo(9.5 * 0.0000000309, 15);
    expect(
      estimateCost({ ...base, region: 'eu-central-2', ephemeralStorageMb: 10240 }).breakdownPerMillionUsd
        .ephemeralStorage,
    ).toBeCloseTo(9.5 * 0.0000000441 * 1e6, 9);
  });

  test('where the source gave only the first tier, an account volume yields a note instead of invented tiers', () => {
    const inputs = {
      memoryMb: 1024,
      architecture: 'x86_64' as const,
      warmBilledMs: 100,
      coldBilledMs: 100,
      coldStartRate: 0,
      invocationsPerMonth: 1e6,
      accountGbSecondsPerMonth: 20e9,
    };
    const milan = estimateCost({ ...inputs, region: 'eu-south-1' });
    expect(milan.pricePerGbSecond).toBeCloseTo(0.0000195172, 15);
    expect(milan.notes?.[0]).toMatch(/only the first duration tier/);
    expect(estimateCost({ ...inputs, region: 'us-east-1' }).notes).toBeUndefined();
  });
});

describe('Lambda Managed Instances pricing', () => {
  test('the EC2 instance + 15% management fee + $0.20 per million requests, no GB-seconds', () => {
    // Two c7i.xlarge ($0.1785/h) for a 730-hour month and 10 million requests.
    const cost = estimateManagedInstancesCost({
      region: 'us-east-1',
      instanceType: 'c7i.xlarge',
      instances: 2,
      invocationsPerMonth: 10e6,
    });
    expect(cost.monthlyUsd).toBeCloseTo(2 * 0.1785 * 1.15 * 730 + 10 * 0.2, 6);
    expect(cost.perMillionUsd).toBeCloseTo(cost.monthlyUsd / 10, 6);
    expect(cost.breakdownPerMillionUsd.requests).toBeCloseTo(0.2, 10);
    expect(cost.pricePerGbSecond).toBe(0);
  });

  test('an instance type the table lacks needs its price in the configuration', () => {
    expect(managedInstancePrice('us-east-1', 'm7g.large')).toMatch(/set managed-instances.usd-per-hour/);
    expect(managedInstancePrice('us-east-1', 'm7g.large', 0.0816)).toBe(0.0816);
    expect(() =>
      estimateManagedInstancesCost({
        region: 'eu-west-1',
        instanceType: 'c7i.xlarge',
        instances: 1,
        invocationsPerMonth: 1,
      }),
    ).toThrow(/no EC2 price for c7i.xlarge in eu-west-1/);
  });
});

describe('Managed Instances in the configuration and the analysis', () => {
  // A payload file that exists: the repository's own package.json.
  const fn = {
    name: 'f',
    runtime: 'nodejs20.x',
    handler: 'index.handler',
    candidate: '.',
    baseline: '.',
    exemplars: [{ name: 'e', payload: 'package.json' }],
  };

  test('managed-instances is read into the function, and a type without a price is refused naming key and value', () => {
    const config = validateConfig(
      {
        region: 'us-east-1',
        functions: [{ ...fn, 'managed-instances': { 'instance-type': 'c7g.xlarge', instances: 3 } }],
      },
      'lambda-perf.yml',
      { env: {} },
    );
    expect(config.functions[0]!.managedInstances).toEqual({ instanceType: 'c7g.xlarge', instances: 3 });
    expect(() =>
      validateConfig(
        { region: 'us-east-1', functions: [{ ...fn, 'managed-instances': { 'instance-type': 'm7g.large' } }] },
        'lambda-perf.yml',
        { env: {} },
      ),
    ).toThrow(/functions\[0\]\.managed-instances\.instance-type: no EC2 price for m7g\.large in us-east-1/);
    const priced = validateConfig(
      {
        region: 'us-east-1',
        functions: [{ ...fn, 'managed-instances': { 'instance-type': 'm7g.large', 'usd-per-hour': 0.0816 } }],
      },
      'lambda-perf.yml',
      { env: {} },
    );
    expect(priced.functions[0]!.managedInstances).toEqual({
      instanceType: 'm7g.large',
      instances: 1,
      usdPerHour: 0.0816,
    });
  });

  test('a Managed Instances function is priced by its instances whatever its durations', () => {
    const samples = fixtureSamples({
      variants: [{ id: '2048MB-x86_64', baselineMs: 50, ratio: 1.3, memorySizeMb: 2048 }],
      environmentPairs: 4,
      seed: 3,
    });
    const context = {
      region: 'us-east-1',
      architecture: 'x86_64' as const,
      memoryMb: 2048,
      coldStartRate: 0.01,
      invocationsPerMonth: 10e6,
      snapStart: false,
      managedInstances: { instanceType: 'c7i.xlarge', instances: 2 },
    };
    const baseline = armStats(
      samples.filter((s) => s.build === 'baseline'),
      context,
    );
    const candidate = armStats(
      samples.filter((s) => s.build === 'candidate'),
      context,
    );
    expect(candidate.cost.monthlyUsd).toBeCloseTo(2 * 0.1785 * 1.15 * 730 + 10 * 0.2, 6);
    // 30% slower costs the same on instances already paid for.
    expect(candidate.cost.perInvocationUsd).toBe(baseline.cost.perInvocationUsd);
  });
});
