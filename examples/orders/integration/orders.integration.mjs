// The order service's integration tests, written the ordinary way: the AWS SDK finds its region
// and endpoint in the environment, and the function under test comes from ORDERS_FUNCTION.
// lambda-perf-gate runs this once against each build and reads the traffic back from the logs.
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';

const functionName = process.env.ORDERS_FUNCTION;
if (!functionName) {
  console.error('ORDERS_FUNCTION is not set');
  process.exit(2);
}
const lambda = new LambdaClient({});

async function priceOrder(order) {
  const result = await lambda.send(
    new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(JSON.stringify(order)) }),
  );
  if (result.FunctionError) throw new Error(`function error: ${Buffer.from(result.Payload).toString()}`);
  return JSON.parse(Buffer.from(result.Payload).toString());
}

const sku = (i) => `SKU-${String(i).padStart(5, '0')}`;
const cases = [
  [
    'prices a single item',
    { orderId: 't-1', country: 'US', items: [{ sku: sku(1), quantity: 1 }] },
    (r) => r.statusCode === 200,
  ],
  [
    'applies the discount above $100',
    { orderId: 't-2', country: 'DE', items: [{ sku: sku(7), quantity: 40 }] },
    (r) => r.statusCode === 200 && JSON.parse(r.body).discount > 0,
  ],
  [
    'refuses an unknown country',
    { orderId: 't-3', country: 'XX', items: [{ sku: sku(1), quantity: 1 }] },
    (r) => r.statusCode === 400,
  ],
  [
    'refuses an unknown sku',
    { orderId: 't-4', country: 'FR', items: [{ sku: 'NOPE', quantity: 1 }] },
    (r) => r.statusCode === 404,
  ],
  [
    'signs every receipt',
    { orderId: 't-5', country: 'GB', items: [{ sku: sku(3), quantity: 2 }] },
    (r) => /^[0-9a-f]{64}$/.test(JSON.parse(r.body).signature),
  ],
];
// A checkout burst: many carts of different sizes, as a shop sees them.
for (let i = 0; i < 30; i++) {
  const items = Array.from({ length: 1 + (i % 12) }, (_, k) => ({
    sku: sku((i * 131 + k * 17) % 20000),
    quantity: 1 + (k % 3),
  }));
  cases.push([
    `checkout ${i}`,
    { orderId: `burst-${i}`, country: ['US', 'DE', 'JP'][i % 3], items },
    (r) => r.statusCode === 200,
  ]);
}

let passed = 0;
let failed = 0;
for (const [name, order, check] of cases) {
  try {
    if (check(await priceOrder(order))) passed++;
    else {
      failed++;
      console.error(`FAIL ${name}`);
    }
  } catch (error) {
    failed++;
    console.error(`FAIL ${name}: ${error.message}`);
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed ? 1 : 0;
