// The candidate build of the order pricer. Its change looks harmless in review: a "stronger"
// risk model with 20% more rounds, and prices formatted for display with a formatter built
// on every request. Together they cost about a quarter more CPU per request.
import { createHmac } from 'node:crypto';

const TAX = { US: 0.07, DE: 0.19, FR: 0.2, GB: 0.2, JP: 0.1 };
const SIGNING_KEY = process.env.RECEIPT_KEY ?? 'demo-signing-key';
const RISK_ROUNDS = 48_000;

function buildCatalog(size) {
  const catalog = new Map();
  for (let i = 0; i < size; i++) {
    const sku = `SKU-${String(i).padStart(5, '0')}`;
    catalog.set(sku, { sku, cents: 199 + ((i * 7919) % 49_800), category: ['book', 'toy', 'food', 'tool'][i % 4] });
  }
  return catalog;
}

const CATALOG = buildCatalog(20_000);

function fail(statusCode, message) {
  return { statusCode, body: JSON.stringify({ error: message }) };
}

// A fraud score: a fixed amount of pure CPU work per order (no allocation), so the time it takes
// scales with the CPU share the memory size buys.
function riskScore(order) {
  const features = JSON.stringify(order).slice(0, 256).padEnd(256);
  let hash = 0x811c9dc5;
  for (let round = 0; round < RISK_ROUNDS; round++) {
    for (let i = 0; i < features.length; i++) hash = Math.imul(hash ^ (features.charCodeAt(i) + round), 0x01000193);
  }
  return (hash >>> 0) / 0xffffffff;
}

// Prices for display. The formatter is built on every request instead of once per environment.
function formatPrices(lines) {
  const format = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
  for (const line of lines) line.display = format.format(line.cents / 100);
}

export const handler = async (event) => {
  const order = typeof event.body === 'string' ? JSON.parse(event.body) : event;
  if (!Array.isArray(order.items) || order.items.length === 0) return fail(400, 'items must be a non-empty list');
  const rate = TAX[order.country];
  if (rate === undefined) return fail(400, `no tax rule for country ${order.country}`);

  let subtotal = 0;
  const lines = [];
  for (const { sku, quantity } of order.items) {
    const product = CATALOG.get(sku);
    if (!product) return fail(404, `unknown sku ${sku}`);
    const cents = product.cents * quantity;
    subtotal += cents;
    lines.push({ sku, quantity, cents });
  }
  formatPrices(lines);
  const discount = subtotal > 10_000 ? Math.round(subtotal * 0.05) : 0;
  const tax = Math.round((subtotal - discount) * rate);
  const total = subtotal - discount + tax;
  const receipt = { orderId: order.orderId, lines, subtotal, discount, tax, total, risk: riskScore(order) };
  const signature = createHmac('sha256', SIGNING_KEY).update(JSON.stringify(receipt)).digest('hex');
  return { statusCode: 200, body: JSON.stringify({ ...receipt, signature }) };
};
