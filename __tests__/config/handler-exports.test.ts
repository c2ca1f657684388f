import { missingHandler } from '../../src/config/handler-exports.js';

describe('a handler file that certainly defines nothing by the name its handler gives', () => {
  test.each([
    ['exports.X', 'exports.handler = async () => 1;\nexports.main = () => 2;', ['handler', 'main']],
    ['module.exports.X', 'module.exports.handler = async () => 1;', ['handler']],
    ['export async function', 'export async function handler(event) { return event; }', ['handler']],
    ['export function*', 'export function* rows() {}', ['rows']],
    ['export const and class', 'export const handler = () => 1;\nexport class Order {}', ['handler', 'Order']],
    ['export { X, Y as Z }', 'const a = 1, b = 2;\nexport { a as handler, b };', ['handler', 'b']],
    [
      'module.exports = { X, Y: ..., Z() {} }',
      'module.exports = { handler, main: async (e) => { return e; }, other(x) { return x; } };',
      ['handler', 'main', 'other'],
    ],
    ['nothing visibly exported', 'const handler = () => 1;', []],
  ])('Node.js, %s: refused, listing what it exports', (_label, text, exported) => {
    expect(missingHandler(text, 'handle', 'node')).toEqual(exported);
  });

  test('Python: refused, listing its top-level functions', () => {
    const text =
      'import json\n\ndef handler(event, context):\n    def inner():\n        pass\n\nasync def main():\n    pass\n';
    expect(missingHandler(text, 'lambda_handler', 'python')).toEqual(['handler', 'main']);
  });

  test('at most five names are listed', () => {
    const text = ['a', 'b', 'c', 'd', 'e', 'f'].map((n) => `exports.${n} = 1;`).join('\n');
    expect(missingHandler(text, 'handle', 'node')).toEqual(['a', 'b', 'c', 'd', 'e']);
  });
});

describe('a handler file that may define the name is never refused', () => {
  test.each([
    ['the name in a comment', '// handle is set below\nexports.handler = 1;'],
    ['the name as a string key', 'Object.defineProperty(exports, "handle", { value: () => 1 });'],
    ['export *', "export * from './impl.mjs';"],
    ['module.exports = require(', "module.exports = require('./impl');"],
    ['module.exports = an object built elsewhere', "const api = require('./api');\nmodule.exports = api;"],
    ['module.exports = { ...spread }', "module.exports = { ...require('./impl'), main };"],
    ['Object.assign(module.exports', "Object.assign(module.exports, require('./impl'));"],
    ['Object.assign(exports', "Object.assign(exports, require('./impl'));"],
    ['TypeScript __exportStar', '__exportStar(require("./impl"), exports);'],
    ['esbuild __reExport', '__reExport(src_exports, require("./impl"), module.exports);'],
    ['a computed key', 'for (const k of keys) exports[k] = impl[k];'],
    ['defineProperty with a computed key', 'Object.defineProperty(exports, k, { get: () => impl[k] });'],
    // A runtime may take the handler from the default export (the local service's bootstrap does).
    ['an ES module default export', 'import api from "./api.mjs";\nexport default api;'],
    ["TypeScript's CommonJS default export", '"use strict";\nexports.default = api;'],
    ['a default named in an export list', 'export { main as default };'],
    ['a name written with escapes (esbuild ASCII output)', 'export { cr\\u00E9er };'],
  ])('Node.js, %s', (_label, text) => {
    expect(missingHandler(text, 'handle', 'node')).toBeUndefined();
  });

  test.each([
    ['the name anywhere', 'from impl import handler as lambda_handler\n'],
    ['from X import *', 'from impl import *\n'],
    ['globals()', 'globals()["lambda_" + "handler"] = make()\n'],
    ['a module __getattr__', 'def __getattr__(name):\n    return make(name)\n'],
  ])('Python, %s', (_label, text) => {
    expect(missingHandler(text, 'lambda_handler', 'python')).toBeUndefined();
  });

  test('a longer name that contains it is not the name', () => {
    expect(missingHandler('exports.handler = 1;', 'handle', 'node')).toEqual(['handler']);
    expect(missingHandler('exports.$handle = 1;', 'handle', 'node')).toEqual(['$handle']);
  });

  // How fast is a benchmark's question; these inputs made the patterns quadratic before.
  test.each([
    [
      'long runs of spaces and names',
      `export function ${' '.repeat(2_000_000)}(\nexport {${'a'.repeat(1_000_000)}\nmodule.exports = {${' '.repeat(1_000_000)}`,
    ],
    ['an export list opened 700,000 times and never closed', 'export{'.repeat(700_000)],
  ])('megabytes of hostile text are answered: %s', (_label, text) => {
    expect(missingHandler(text, 'handle', 'node')).toEqual([]);
  });
});
