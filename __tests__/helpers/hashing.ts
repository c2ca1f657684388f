/**
 * A handler whose work is `count` SHA-256 digests of a 64 KB block (a JavaScript expression over
 * `event`), returning `{ statusCode: 200, ...fields, h }` (`fields` is object-literal text).
 *
 * Native hashing, not a tight JavaScript loop: on a shared VM a tight loop's CPU time swings up to
 * twofold for seconds at a time with what the host runs beside it (FACTS.md, "Measuring on a
 * shared host"), while hashing spread ±8% in the same test. Tests that compare two builds' speed
 * use this work.
 */
export const hashingHandler = (
  count: string | number,
  fields = '',
): string => `const { createHash } = require('node:crypto');
const block = Buffer.alloc(64 * 1024, 7);
exports.handler = async (event) => {
  const count = ${count};
  let h = 0; for (let i = 0; i < count; i++) h ^= createHash('sha256').update(block).digest()[0];
  return { statusCode: 200, ${fields ? `${fields}, ` : ''}h };
};`;

/**
 * A handler of three named functions, for profiles to tell apart: `price` hashes a 64 KB block
 * `rounds` times; `parse` and `format` do next to nothing. Its event is `{ n }`.
 */
export const threeFunctionHandler = (rounds: number): string => `const { createHash } = require('node:crypto');
const block = Buffer.alloc(64 * 1024, 7);
function parse(event) { return JSON.parse(JSON.stringify(event)); }
function price(order) {
  let h = 0;
  for (let i = 0; i < ${rounds}; i++) h ^= createHash('sha256').update(block).digest()[0];
  return h + order.n;
}
function format(total) { return 'total ' + total.toFixed(2); }
exports.handler = async (event) => ({ statusCode: 200, body: format(price(parse(event))) });
`;
