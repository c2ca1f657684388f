import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PriceTable } from '../../src/pricing/price-list.js';

// The fixture is an excerpt of an AWSLambda offer file in the Price List API's own layout
// (products + terms.OnDemand, tiers as beginRange/endRange). SKUs and first-tier rate codes are
// AWS's; the later tiers' rate-code suffixes, the version and the publication date are stand-ins.
const FIXTURE = join(import.meta.dirname ?? __dirname, '..', 'fixtures', 'prices', 'awslambda-offer-excerpt.json');
const SCRIPT = 'scripts/refresh-prices.ts';

describe('npm run refresh-prices on an offer file', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'refresh-prices-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = (args: string[]) => spawnSync('npx', ['tsx', SCRIPT, ...args], { encoding: 'utf8' });

  test('writes every tier, request and storage price of the complete regions and names the source', () => {
    const out = join(dir, 'prices.json');
    const result = run([FIXTURE, '--out', out]);
    expect(result.status).toBe(0);
    const table = JSON.parse(readFileSync(out, 'utf8')) as PriceTable;
    expect(Object.keys(table.regions)).toEqual(['eu-south-1', 'us-east-1']);
    expect(table.regions['us-east-1']!.x86_64.duration).toEqual([
      { upToGbSeconds: 6e9, usdPerGbSecond: 0.0000166667 },
      { upToGbSeconds: 15e9, usdPerGbSecond: 0.000015 },
      { upToGbSeconds: null, usdPerGbSecond: 0.0000133334 },
    ]);
    expect(table.regions['us-east-1']!.arm64.duration.map((t) => t.upToGbSeconds)).toEqual([7.5e9, 18.75e9, null]);
    expect(table.regions['eu-south-1']!.arm64).toEqual({
      duration: [{ upToGbSeconds: null, usdPerGbSecond: 0.0000156138 }],
      requestUsd: 0.00000023,
      ephemeralStorageUsdPerGbSecond: 0.0000000357,
      tiersComplete: true,
    });
    expect(table.source).toMatchObject({ kind: 'offer-file', date: '2025-09-17' });
    expect(table.source.description).toContain('version 20250917201012');
    // Provisioned concurrency and the free tier (no regionCode) are not duration prices.
    expect(table.regions['us-east-1']!.x86_64.duration[0]!.usdPerGbSecond).not.toBe(0.0000041667);
    // af-south-1 has only its duration in the excerpt: left out, and said so.
    expect(result.stderr).toMatch(
      /left out \(the gate will refuse it\): af-south-1: no duration:arm64, request:x86_64/,
    );
  });

  test('the committed table has the same shape as what the script writes', () => {
    const committed = JSON.parse(readFileSync('data/lambda-prices.json', 'utf8')) as PriceTable;
    const out = join(dir, 'shape.json');
    execFileSync('npx', ['tsx', SCRIPT, FIXTURE, '--out', out], { stdio: 'ignore' });
    const generated = JSON.parse(readFileSync(out, 'utf8')) as PriceTable;
    expect(Object.keys(committed.regions['us-east-1']!.arm64).sort()).toEqual(
      Object.keys(generated.regions['us-east-1']!.arm64).sort(),
    );
    expect(committed.regions['us-east-1']).toEqual(generated.regions['us-east-1']);
  });

  test('a file that is not an AWSLambda offer is refused with exit 2 and why', () => {
    const wrong = join(dir, 'ec2.json');
    writeFileSync(wrong, JSON.stringify({ offerCode: 'AmazonEC2', products: {}, terms: { OnDemand: {} } }));
    const result = run([wrong, '--out', join(dir, 'never.json')]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/not an AWSLambda offer file \(offerCode "AmazonEC2"\)/);
    const gap = JSON.parse(readFileSync(FIXTURE, 'utf8')) as {
      terms: { OnDemand: Record<string, Record<string, { priceDimensions: Record<string, { beginRange: string }> }>> };
    };
    const tiers = gap.terms.OnDemand['TG3M4CAGBA3NYQBH']!['TG3M4CAGBA3NYQBH.JRTCKXETXF']!.priceDimensions;
    Object.values(tiers)[1]!.beginRange = '7000000000';
    writeFileSync(wrong, JSON.stringify(gap));
    const broken = run([wrong, '--out', join(dir, 'never.json')]);
    expect(broken.status).toBe(2);
    expect(broken.stderr).toMatch(/product TG3M4CAGBA3NYQBH: its tiers do not join up/);
  });
});
