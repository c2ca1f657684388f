/**
 * Whether a handler file can export the function its handler names, read as text: the file is a
 * pull request's code, so it is never loaded or run. The answer is "certainly not" only when the
 * name is written nowhere in the file and the file has no way to export a name it does not write
 * out (a re-export of another module, computed keys); anything else counts as "may well".
 */

export type HandlerLanguage = 'node' | 'python';

/** How many of the names a file exports a refusal lists. */
const MENTIONS_SHOWN = 5;

/**
 * Ways to export names that are not written out in the file. Each pattern is linear on any text:
 * the file is untrusted and may be megabytes long.
 */
const NODE_HIDDEN_EXPORTS: readonly RegExp[] = [
  /\bexport\s*\*/, // export * from './impl'
  /\bexports\s*\[/, // exports[name] = ..., module.exports[name] = ...
  /\bmodule\.exports\s*=\s*(?![\s{])/, // module.exports = require('./impl'), = api, = factory()
  /\bObject\.assign\s*\(\s*(?:module\.)?exports\b/,
  /\bdefineProperty\s*\(\s*(?:module\.)?exports\s*,\s*(?!["'`])/, // a computed key (TypeScript's "__esModule" is a literal)
  /\bdefineProperties\s*\(/,
  /\bReflect\.(?:set|defineProperty)\s*\(/,
  /__exportStar|__reExport|__export\s*\(/, // TypeScript's and esbuild's re-exports
  /\beval\s*\(|\bFunction\s*\(/,
  // A default export: a runtime may take the name from it (the local service's bootstrap does).
  /\bexport\s+default\b|\bexports\.default\s*=|\bas\s+default\b|\bdefault\s*:/,
  // A name written with escapes (esbuild's ASCII output writes créer as cr\u00E9er).
  /\\u[0-9a-fA-F{]/,
];

const PYTHON_HIDDEN_EXPORTS: readonly RegExp[] = [
  /\bimport\s*\*/, // from impl import *
  /\bglobals\s*\(|\blocals\s*\(|\bvars\s*\(/,
  /\b__getattr__\b|\b__dict__\b|\bsetattr\s*\(|\bsys\.modules\b/,
  /\bexec\s*\(|\beval\s*\(/,
];

/** The names a file visibly exports: `exports.X`, `export function X`, `export { X as Y }`, `def X`. */
function mentions(text: string, language: HandlerLanguage): string[] {
  const found: string[] = [];
  const patterns =
    language === 'python'
      ? [/^(?:async[ \t]+)?def[ \t]+([A-Za-z_]\w*)/gm]
      : [
          /\bexports\.([A-Za-z_$][\w$]*)\s*=/g,
          /\bexport\s+(?:async\s+)?function\s*(?:\*\s*)?([A-Za-z_$][\w$]*)/g,
          /\bexport\s+(?:const|let|var|class)\s+([A-Za-z_$][\w$]*)/g,
        ];
  for (const pattern of patterns) for (const match of text.matchAll(pattern)) found.push(match[1]!);
  if (language === 'node') {
    // The list up to its brace, found with indexOf: a regex that scans ahead for the brace from
    // every `export{` is quadratic on a file of them that never closes.
    let close = -1;
    for (const match of text.matchAll(/\bexport\s*\{/g)) {
      const open = match.index + match[0].length;
      // Each search starts past the last brace found, so the whole text is read once.
      if (close < open) close = text.indexOf('}', open);
      if (close < 0) break;
      if (close - open <= 2000) found.push(...listedNames(text.slice(open, close)));
    }
    const literal = moduleExportsLiteral(text);
    if (literal !== undefined) found.push(...listedNames(literal));
  }
  return [...new Set(found)];
}

/** The names `{ a, b as c, d: x, e() {} }` gives its keys or exports: a, c, d, e. */
function listedNames(list: string): string[] {
  return topLevelParts(list).flatMap((part) => {
    const [, name] = /(?:^|\sas\s+)([A-Za-z_$][\w$]*)\s*$/.exec(part.split(':')[0]!.split('(')[0]!.trim()) ?? [];
    return name && name !== 'async' ? [name] : [];
  });
}

/** The parts of a list between its commas at depth 0. */
function topLevelParts(list: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (c === '{' || c === '(' || c === '[') depth++;
    else if (c === '}' || c === ')' || c === ']') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(list.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(list.slice(start));
  return parts.map((part) => part.replace(/^\s*(?:async\s+)?\*?\s*/, ''));
}

const MODULE_EXPORTS_LITERAL = /\bmodule\.exports\s*=\s*\{/;

/**
 * What is between the braces of `module.exports = { ... }`, or undefined when there is no such
 * literal or its braces do not close.
 */
function moduleExportsLiteral(text: string): string | undefined {
  const match = MODULE_EXPORTS_LITERAL.exec(text);
  if (!match) return undefined;
  const open = match.index + match[0].length;
  let depth = 1;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return text.slice(open, i);
  }
  return undefined;
}

/** Whether `name` occurs in `text` as a whole identifier, not as part of a longer one. */
function mentionsWord(text: string, name: string): boolean {
  const part = /[\w$]/;
  for (let at = text.indexOf(name); at >= 0; at = text.indexOf(name, at + 1)) {
    const before = text[at - 1];
    const after = text[at + name.length];
    if ((before === undefined || !part.test(before)) && (after === undefined || !part.test(after))) return true;
  }
  return false;
}

/**
 * The names a handler file visibly exports, when it certainly defines nothing named `name`;
 * undefined when it may (it mentions the name, or may export names it does not write out).
 */
export function missingHandler(text: string, name: string, language: HandlerLanguage): string[] | undefined {
  if (mentionsWord(text, name)) return undefined;
  const hidden = language === 'python' ? PYTHON_HIDDEN_EXPORTS : NODE_HIDDEN_EXPORTS;
  if (hidden.some((pattern) => pattern.test(text))) return undefined;
  // `module.exports = { ...impl }` may hold names written elsewhere: a spread anywhere after it will do.
  const literal = language === 'node' ? MODULE_EXPORTS_LITERAL.exec(text) : null;
  if (literal && text.includes('...', literal.index)) return undefined;
  return mentions(text, language).slice(0, MENTIONS_SHOWN);
}
