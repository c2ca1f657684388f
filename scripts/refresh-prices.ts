// Regenerates data/lambda-prices.json from an AWS Price List API offer file for AWSLambda, e.g.
// https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AWSLambda/current/index.json (or a
// region's file from its region_index.json). Usage:
//   npm run refresh-prices -- <offer.json> [--out data/lambda-prices.json]
// Every figure comes from the file: duration tiers from each price dimension's beginRange and
// endRange, nothing derived by a factor. A region lacking one of the six prices is left out and
// named on stderr, so the gate refuses it instead of guessing.
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Architecture } from '../src/model/architecture.js';
import type { ArchitecturePrices, PriceTable, Tier } from '../src/pricing/price-list.js';

interface OfferProduct {
  readonly sku: string;
  readonly attributes: Readonly<Record<string, string>>;
}
interface PriceDimension {
  readonly beginRange: string;
  readonly endRange: string;
  readonly unit: string;
  readonly pricePerUnit: { readonly USD?: string };
}
interface Offer {
  readonly offerCode: string;
  readonly version: string;
  readonly publicationDate: string;
  readonly products: Readonly<Record<string, OfferProduct>>;
  readonly terms: {
    readonly OnDemand: Readonly<
      Record<string, Readonly<Record<string, { readonly priceDimensions: Readonly<Record<string, PriceDimension>> }>>>
    >;
  };
}

type Item = 'duration' | 'request' | 'storage';
/** Usage types without their region prefix (us-east-1's carry none, e.g. EUS1-Request elsewhere). */
const USAGE: Readonly<Record<string, [Item, Architecture]>> = {
  'Lambda-GB-Second': ['duration', 'x86_64'],
  'Lambda-GB-Second-ARM': ['duration', 'arm64'],
  Request: ['request', 'x86_64'],
  'Request-ARM': ['request', 'arm64'],
  'Lambda-Storage-GB-Second': ['storage', 'x86_64'],
  'Lambda-Storage-GB-Second-ARM': ['storage', 'arm64'],
};

export class OfferFileError extends Error {}

function usageOf(usageType: string): [Item, Architecture] | undefined {
  return USAGE[usageType] ?? USAGE[usageType.replace(/^[A-Z]{2,4}\d?-/, '')];
}

function tiersOf(offer: Offer, sku: string): Tier[] {
  const terms = offer.terms.OnDemand[sku];
  if (!terms) throw new OfferFileError(`terms.OnDemand has no entry for product ${sku}`);
  const dimensions = Object.values(terms).flatMap((term) => Object.values(term.priceDimensions));
  const tiers = dimensions
    .map((d) => {
      const usd = Number(d.pricePerUnit.USD);
      const begin = Number(d.beginRange);
      const end = d.endRange === 'Inf' ? null : Number(d.endRange);
      if (!Number.isFinite(usd) || !Number.isFinite(begin) || (end !== null && !Number.isFinite(end))) {
        throw new OfferFileError(
          `product ${sku}: a price dimension has an unreadable price or range (${JSON.stringify(d.pricePerUnit)}, ${d.beginRange}-${d.endRange})`,
        );
      }
      return { begin, upToGbSeconds: end, usdPerGbSecond: usd };
    })
    .sort((a, b) => a.begin - b.begin);
  let expected = 0;
  for (const tier of tiers) {
    if (tier.begin !== expected)
      throw new OfferFileError(
        `product ${sku}: its tiers do not join up (one starts at ${tier.begin}, expected ${expected})`,
      );
    expected = tier.upToGbSeconds ?? Infinity;
  }
  if (expected !== Infinity) throw new OfferFileError(`product ${sku}: its last tier ends at ${expected}, not Inf`);
  return tiers.map(({ upToGbSeconds, usdPerGbSecond }) => ({ upToGbSeconds, usdPerGbSecond }));
}

/** The price table an offer file gives, and the regions it had to leave out (with why). */
export function pricesFromOffer(offer: Offer, file: string): { table: PriceTable; skipped: string[] } {
  if (offer.offerCode !== 'AWSLambda' || !offer.products || !offer.terms?.OnDemand) {
    throw new OfferFileError(
      `not an AWSLambda offer file (offerCode ${JSON.stringify(offer.offerCode)}); expected products and terms.OnDemand`,
    );
  }
  const found = new Map<string, Map<string, Tier[]>>();
  for (const product of Object.values(offer.products)) {
    const { regionCode, usagetype, servicecode } = product.attributes;
    const usage = usagetype === undefined ? undefined : usageOf(usagetype);
    if (servicecode !== 'AWSLambda' || !regionCode || !usage) continue;
    const key = `${usage[0]}:${usage[1]}`;
    const region = found.get(regionCode) ?? new Map<string, Tier[]>();
    if (region.has(key)) throw new OfferFileError(`${regionCode} has two products for ${usagetype}`);
    region.set(key, tiersOf(offer, product.sku));
    found.set(regionCode, region);
  }
  const regions: Record<string, Record<Architecture, ArchitecturePrices>> = {};
  const skipped: string[] = [];
  for (const [region, items] of [...found].sort(([a], [b]) => a.localeCompare(b))) {
    const missing = Object.values(USAGE)
      .map(([item, architecture]) => `${item}:${architecture}`)
      .filter((key) => !items.has(key));
    if (missing.length) {
      skipped.push(`${region}: no ${missing.join(', ')}`);
      continue;
    }
    const single = (key: string): number => items.get(key)![0]!.usdPerGbSecond;
    const of = (architecture: Architecture): ArchitecturePrices => ({
      duration: items.get(`duration:${architecture}`)!,
      requestUsd: single(`request:${architecture}`),
      ephemeralStorageUsdPerGbSecond: single(`storage:${architecture}`),
      tiersComplete: true,
    });
    regions[region] = { x86_64: of('x86_64'), arm64: of('arm64') };
  }
  if (Object.keys(regions).length === 0)
    throw new OfferFileError(
      'no region has all six Lambda prices (duration, requests and ephemeral storage for x86_64 and arm64)',
    );
  return {
    table: {
      about:
        'Lambda on-demand prices in USD per region and architecture: duration per GB-second by monthly tier (upToGbSeconds is the cumulative upper bound of a tier, null for the last; tiersComplete false means the source gave only the first tier), requests per request, ephemeral storage above 512 MB per GB-second. Read by src/pricing/price-list.ts; regenerate with `npm run refresh-prices -- <AWSLambda offer file>`.',
      source: {
        kind: 'offer-file',
        description: `AWS Price List API offer file ${basename(file)}: offer ${offer.offerCode}, version ${offer.version}, published ${offer.publicationDate}`,
        date: offer.publicationDate.slice(0, 10),
      },
      regions,
    },
    skipped,
  };
}

function main(argv: readonly string[]): number {
  const outAt = argv.indexOf('--out');
  const out = outAt >= 0 ? argv[outAt + 1] : resolve(fileURLToPath(import.meta.url), '../../data/lambda-prices.json');
  const file = argv.find((arg, i) => !arg.startsWith('--') && i !== outAt + 1);
  if (!file || !out) {
    process.stderr.write(
      'usage: npm run refresh-prices -- <AWSLambda offer file (JSON)> [--out data/lambda-prices.json]\n',
    );
    return 2;
  }
  let offer: Offer;
  try {
    offer = JSON.parse(readFileSync(file, 'utf8')) as Offer;
  } catch (error) {
    process.stderr.write(
      `${file}: cannot read it as JSON: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return 2;
  }
  try {
    const { table, skipped } = pricesFromOffer(offer, file);
    for (const line of skipped) process.stderr.write(`left out (the gate will refuse it): ${line}\n`);
    writeFileSync(out, `${JSON.stringify(table, null, 2)}\n`);
    process.stdout.write(`${out}: ${Object.keys(table.regions).length} regions from ${table.source.description}\n`);
    return 0;
  } catch (error) {
    if (error instanceof OfferFileError) {
      process.stderr.write(`${file}: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  process.exitCode = main(process.argv.slice(2));
