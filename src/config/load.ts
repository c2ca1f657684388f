import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { isNode, isScalar, parseDocument as parseYamlDocument, visit, YAMLError } from 'yaml';
import { z } from 'zod';
import { looksLevels, metricAlphaShare } from '../looks/schedule.js';
import { managedInstancePrice } from '../pricing/managed-instances.js';
import { unpricedRegionProblem } from '../pricing/price-list.js';
import { errorMessage, jsonSyntaxProblem } from '../errors.js';
import { ConfigError, shown } from './config-error.js';
import { duetProblems } from './duet.js';
import { environmentProblems } from './environment.js';
import {
  configSchema,
  designDefaults,
  REPLACED_SAMPLING_KEYS,
  RETIRED_RUNTIME,
  type BaselineSource,
  type CodeSource,
  type RawConfig,
  type RawFunction,
} from './schema.js';
import { MAX_PAYLOAD_BYTES } from '../model/lambda-environment.js';
import type { Budgets } from './budgets.js';
import type { Build } from '../model/sample.js';
import type {
  CodeLocation,
  ExemplarSpec,
  FunctionSpec,
  GateConfig,
  IntegrationSpec,
  TrafficSource,
  VariantSpec,
} from './types.js';

const DEFAULT_TOLERANCE = 0.05;

function pathText(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)),
    '',
  );
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** The object keys the schema allows at a path, to suggest the right one for a typo. */
function keysAt(path: readonly PropertyKey[]): string[] {
  let schema: z.ZodType = configSchema;
  for (const key of path) {
    schema = unwrap(schema);
    if (schema instanceof z.ZodArray && typeof key === 'number') schema = schema.element as z.ZodType;
    else if (schema instanceof z.ZodObject)
      schema = (schema.shape as Record<string, z.ZodType>)[String(key)] ?? z.never();
    else return [];
  }
  schema = unwrap(schema);
  return schema instanceof z.ZodObject ? Object.keys(schema.shape).filter((k) => k !== '$schema') : [];
}

/**
 * Where a key that is unknown at `path` belongs, when it is a key of an object (or of each entry
 * of a list) one level down: `account-gb-seconds-per-month` at the top level belongs under `traffic`.
 */
function homeOf(path: readonly PropertyKey[], key: string): string | undefined {
  for (const child of keysAt(path)) {
    if (keysAt([...path, child]).includes(key)) return `it belongs under ${child} (${child}: {${key}: ...})`;
    if (keysAt([...path, child, 0]).includes(key))
      return `it belongs in each entry of ${child} (${child}: [{${key}: ...}])`;
  }
  return undefined;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    if (current instanceof z.ZodOptional || current instanceof z.ZodDefault) current = current.unwrap() as z.ZodType;
    else if (current instanceof z.ZodPipe) current = current.in as z.ZodType;
    else return current;
  }
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  array: 'a list',
  int: 'an integer',
  object: 'a mapping of keys to values',
  record: 'a mapping of names to values (NAME: value, one per line)',
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
};

/** The Levenshtein distance, to suggest the closest allowed value for a typo. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}

function closest(value: unknown, candidates: readonly unknown[]): string {
  if (typeof value !== 'string') return '';
  const ranked = candidates
    .filter((c): c is string => typeof c === 'string')
    .map((c) => ({ c, d: editDistance(value.toLowerCase(), c.toLowerCase()) }))
    .sort((x, y) => x.d - y.d);
  const best = ranked[0];
  return best && best.d <= Math.max(2, Math.floor(value.length / 4)) ? `; did you mean ${shown(best.c)}?` : '';
}

/**
 * One message per mistake: Zod's integer check adds "at most 2^53-1" beside the key's own bound,
 * and a value of the wrong type also fails the checks of the right one ("must be a list" and
 * "must be at most 2" for `architectures: arm64`); the type is the mistake.
 */
function withoutRedundantIssues(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  const key = (issue: z.core.$ZodIssue): string => pathText(issue.path);
  const wrongType = new Set(issues.filter((issue) => issue.code === 'invalid_type').map(key));
  return issues.filter(
    (issue) =>
      !(
        issue.code === 'too_big' &&
        Number(issue.maximum) === Number.MAX_SAFE_INTEGER &&
        issues.some((other) => other !== issue && key(other) === key(issue))
      ) && !(issue.code !== 'invalid_type' && wrongType.has(key(issue))),
  );
}

/** A runtime family's name, for a runtime Lambda does not offer (retired, or not out yet). */
const RUNTIME_FAMILIES: readonly [RegExp, string][] = [
  [/^nodejs\d+\.x$/, 'Node.js'],
  [/^python\d+\.\d+$/, 'Python'],
  [/^java\d+(?:\.al2(?:023)?)?$/, 'Java'],
  [/^dotnet(?:core)?\d+(?:\.\d+)?$/, '.NET'],
  [/^ruby\d+\.\d+$/, 'Ruby'],
];

/**
 * `nodejs16.x`, written as a runtime is but not one Lambda offers now: the family's runtimes that
 * it does. A misspelt name (`nodejs20`) gets the closest one instead.
 */
function unofferedRuntime(value: unknown, allowed: readonly unknown[]): string | undefined {
  if (typeof value !== 'string') return undefined;
  const family = RUNTIME_FAMILIES.find(([pattern]) => pattern.test(value));
  if (!family) return undefined;
  const offered = allowed.filter(
    (runtime): runtime is string => typeof runtime === 'string' && family[0].test(runtime),
  );
  return `${shown(value)} ${RETIRED_RUNTIME.test(value) ? 'is retired: Lambda no longer creates functions with it' : 'is not a runtime Lambda offers (not out yet?)'}; Lambda's ${family[1]} runtimes: ${offered.map((runtime) => shown(runtime)).join(', ')}`;
}

function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const where = pathText(issue.path) || '(top level)';
  const value = valueAt(raw, issue.path);
  const got = value === undefined ? '' : ` (got ${shown(value)})`;
  // A missing key, whatever its schema (a union's own message would describe the forms instead).
  if (value === undefined && issue.code === 'invalid_union') return `${where}: is required`;
  switch (issue.code) {
    case 'invalid_type':
      if (value === undefined) return `${where}: is required`;
      if (issue.message && !issue.message.startsWith('Invalid input')) return `${where}: ${issue.message}${got}`;
      return `${where}: must be ${TYPE_NAMES[issue.expected] ?? `of type ${issue.expected}`}${got}`;
    case 'too_small':
      return issue.origin === 'array'
        ? `${where}: must have at least ${String(issue.minimum)} item(s)`
        : issue.origin === 'string'
          ? `${where}: must not be empty`
          : `${where}: must be at least ${String(issue.minimum)}${got}`;
    case 'too_big':
      if (issue.origin === 'array') return `${where}: must have at most ${String(issue.maximum)} items`;
      return Number(issue.maximum) === Number.MAX_SAFE_INTEGER
        ? `${where}: is too large${got}`
        : `${where}: must be at most ${String(issue.maximum)}${got}`;
    case 'invalid_value': {
      const runtime = issue.path.at(-1) === 'runtime' ? unofferedRuntime(value, issue.values) : undefined;
      if (runtime) return `${where}: ${runtime}`;
      return `${where}: must be one of ${issue.values.map((v) => shown(v)).join(', ')}${got}${closest(value, issue.values)}`;
    }
    case 'invalid_key':
      return `${where}: ${issue.issues[0]?.message ?? 'is not a valid key here'}`;
    case 'unrecognized_keys': {
      const valid = keysAt(issue.path);
      return issue.keys
        .map((key) => {
          const replaced = pathText(issue.path) === 'sampling' ? REPLACED_SAMPLING_KEYS[key] : undefined;
          if (replaced)
            return `${pathText([...issue.path, key])}: no longer used since the verdict works on environment pairs; replaced by ${replaced}`;
          const home = homeOf(issue.path, key);
          if (home)
            return `${pathText([...issue.path, key])}: not a key ${pathText(issue.path) ? `of ${pathText(issue.path)}` : 'at the top level'}; ${home}`;
          return `${pathText([...issue.path, key])}: unknown key${valid.length ? `; valid keys here: ${valid.join(', ')}` : ''}`;
        })
        .join('\n');
    }
    default:
      return `${where}: ${issue.message}${got}`;
  }
}

/** A configuration is a page of settings: far bigger is a mistake or an attack, refused before it is read. */
const MAX_CONFIG_BYTES = 1024 * 1024;
/** Keys (of mappings, at any depth) a configuration may hold; a real one has a few hundred. */
const MAX_CONFIG_KEYS = 10_000;

const tooManyKeys = (): string =>
  `has more than ${MAX_CONFIG_KEYS} keys; a configuration of this action needs far fewer (is it the right file?)`;

function parseDocument(text: string, source: string): unknown {
  // A byte-order mark (some Windows editors write one) is not part of the document, in JSON as in YAML.
  return extname(source) === '.json' ? parseJson(text.replace(/^\uFEFF/, ''), source) : parseYaml(text, source);
}

function parseJson(text: string, source: string): unknown {
  let keys = 0;
  let parsed: unknown;
  try {
    // The reviver sees every key of the parsed document (the byte limit bounds the parse itself).
    parsed = JSON.parse(text, function (this: unknown, key: string, value: unknown) {
      if (!Array.isArray(this) && ++keys > MAX_CONFIG_KEYS) throw new ConfigError(source, [tooManyKeys()]);
      return value;
    });
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const message = errorMessage(error);
    const at = /^(.*?) in JSON at position (\d+)/.exec(message);
    if (at) throw new ConfigError(source, [jsonProblem(text, at[1]!, Number(at[2]))]);
    // Some of V8's messages quote the token but not its place: the first such character outside strings.
    const token = /^Unexpected token '(.)'/.exec(message)?.[1];
    // Only what can never stand outside a JSON string is looked for that way: a comment's slash, a
    // single quote, a closing bracket right after a comma. A bracket or a comma alone would be
    // found earlier, where it is right.
    const offset =
      token && /^['/]$/.test(token)
        ? outsideStrings(text, (at) => text[at] === token)
        : token && /^[\]}]$/.test(token)
          ? outsideStrings(text, (at) => text[at] === token && commaBefore(text, at))
          : undefined;
    if (offset !== undefined) throw new ConfigError(source, [jsonProblem(text, `Unexpected ${token}`, offset)]);
    throw new ConfigError(source, [`cannot be parsed: ${jsonSyntaxProblem(error).replace(/^is /, '')}`]);
  }
  const twice = jsonKeyWrittenTwice(text);
  if (twice)
    throw new ConfigError(source, [`${where(text, twice.at)}: the key ${twice.name} is written twice; keep one`]);
  return parsed;
}

/** Whether the last character before `at` that is not white space is a comma (each space is read once per bracket). */
function commaBefore(text: string, at: number): boolean {
  let i = at - 1;
  while (i >= 0 && /\s/.test(text[i]!)) i--;
  return text[i] === ',';
}

/** The first place outside a JSON text's strings where `found` holds. */
function outsideStrings(text: string, found: (at: number) => boolean): number | undefined {
  for (let i = 0; i < text.length; i++) {
    if (found(i)) return i;
    if (text[i] === '"') i = stringEnd(text, i);
  }
  return undefined;
}

/** Where the JSON string that opens at `start` (a double quote) closes: past its escapes. */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  for (; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
  return i;
}

/** What JSON.parse said, where as line and column, the line quoted, and the usual cause named. */
function jsonProblem(text: string, reason: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  const [line, column] = [before.length, (before.at(-1)?.length ?? 0) + 1];
  const previous = text.slice(0, offset).trimEnd().at(-1);
  const cause =
    text[offset] === '/'
      ? ' (JSON has no comments; a YAML file, lambda-perf.yml, may have them)'
      : previous === ',' && /[}\]]/.test(text.slice(offset).trimStart()[0] ?? '')
        ? ' (JSON allows no comma before a closing bracket)'
        : '';
  return `line ${line}, column ${column}: cannot be parsed: ${reason}${cause}\n${quotedLine(text, line, column)}`;
}

/**
 * The first key written twice in one object of a JSON text that parsed: JSON.parse keeps the
 * last silently, where YAML's loader refuses it. One pass over the text, a set of keys per open
 * object (the key count is already bounded).
 */
function jsonKeyWrittenTwice(text: string): { name: string; at: number } | undefined {
  const open: (Set<string> | undefined)[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{') open.push(new Set());
    else if (c === '[') open.push(undefined);
    else if (c === '}' || c === ']') open.pop();
    else if (c === '"') {
      const start = i;
      i = stringEnd(text, i);
      const keys = open.at(-1);
      if (!keys) continue;
      let next = i + 1;
      while (/\s/.test(text[next] ?? '')) next++;
      if (text[next] !== ':') continue;
      const literal = text.slice(start, i + 1);
      const name = JSON.parse(literal) as string;
      if (keys.has(name)) return { name: literal, at: start };
      keys.add(name);
    }
  }
  return undefined;
}

/**
 * YAML, without aliases or anchors: an alias expands to a copy of what it names, so a few lines
 * can stand for an exponential document (a "billion laughs"), and the configuration reads plainly
 * without them. Keys written twice are found here, once the key count is known to be small: the
 * library's own check (uniqueKeys) compares every key of a mapping with every other, and took
 * 74 s on 1 MiB of flat keys.
 */
function parseYaml(text: string, source: string): unknown {
  const document = parseYamlDocument(text, { prettyErrors: true, uniqueKeys: false });
  const [error] = document.errors;
  if (error) throw new ConfigError(source, [yamlProblem(error, text)]);
  const problems: string[] = [];
  let keys = 0;
  const anchored = (node: unknown): typeof visit.BREAK | undefined => {
    if (!isNode(node) || !node.anchor) return undefined;
    problems.push(
      `${where(text, anchorAt(text, node.anchor, node.range?.[0]))}: YAML aliases and anchors (&${node.anchor}) are not allowed; write the value out where it is used`,
    );
    return visit.BREAK;
  };
  visit(document, {
    // A visitor for maps replaces the one for every node there, so it checks anchors too.
    Map: (_key, map) => {
      if (anchored(map)) return visit.BREAK;
      keys += map.items.length;
      if (keys > MAX_CONFIG_KEYS) return visit.BREAK;
      const seen = new Set<string>();
      for (const pair of map.items) {
        const name = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        if (seen.has(name)) {
          const at = isNode(pair.key) ? pair.key.range?.[0] : undefined;
          problems.push(`${where(text, at)}: the key ${JSON.stringify(name)} is written twice; keep one`);
          return visit.BREAK;
        }
        seen.add(name);
      }
      return undefined;
    },
    Alias: (_key, node) => {
      problems.push(
        `${where(text, node.range?.[0])}: YAML aliases and anchors (*${node.source}) are not allowed; write the value out where it is used`,
      );
      return visit.BREAK;
    },
    Node: (_key, node) => anchored(node),
  });
  if (keys > MAX_CONFIG_KEYS) throw new ConfigError(source, [tooManyKeys()]);
  if (problems.length) throw new ConfigError(source, problems);
  try {
    return document.toJS({ maxAliasCount: 0 });
  } catch (caught) {
    throw new ConfigError(source, [`cannot be parsed: ${errorMessage(caught)}`]);
  }
}

/** What the parser said, where, and the line it is about as the file has it. */
function yamlProblem(error: YAMLError, text: string): string {
  const reason = (error.message.split('\n')[0] || error.code).replace(/ at line \d+, column \d+:?$/, '');
  const at = error.linePos?.[0];
  if (!at) return `cannot be parsed: ${reason}`;
  return `line ${at.line}, column ${at.col}: cannot be parsed: ${reason}\n${quotedLine(text, at.line, at.col)}`;
}

/** Characters of a line quoted around the column; a longer line is cut to them. */
const QUOTED_LINE_WIDTH = 100;

/**
 * Line `line` of the text, with a caret under `column`; when that line is blank (an unclosed
 * bracket is found where the text ends), the last line with something on it, without a caret.
 */
function quotedLine(text: string, line: number, column: number): string {
  const lines = text.split(/\r?\n/);
  let number = line;
  while (number > 1 && !(lines[number - 1] ?? '').trim()) number--;
  // A tab shown as one space keeps the caret under its column.
  const whole = (lines[number - 1] ?? '').replaceAll('\t', ' ');
  const start = whole.length > QUOTED_LINE_WIDTH ? Math.max(0, column - 1 - QUOTED_LINE_WIDTH / 2) : 0;
  const shownLine = `${start > 0 ? '...' : ''}${whole.slice(start, start + QUOTED_LINE_WIDTH)}${
    start + QUOTED_LINE_WIDTH < whole.length ? '...' : ''
  }`;
  const gutter = String(number);
  const quoted = `    ${gutter} | ${shownLine}`;
  if (number !== line) return quoted;
  const caret = ' '.repeat(column - 1 - start + (start > 0 ? 3 : 0));
  return `${quoted}\n    ${' '.repeat(gutter.length)} | ${caret}^`;
}

/** Where `&anchor` is written: the last one before the value it names (the node's range starts at the value). */
function anchorAt(text: string, anchor: string, valueAt: number | undefined): number | undefined {
  if (valueAt === undefined) return undefined;
  const at = text.lastIndexOf(`&${anchor}`, valueAt);
  return at < 0 ? valueAt : at;
}

/** `line L, column C` of an offset in the text. */
function where(text: string, offset: number | undefined): string {
  if (offset === undefined) return 'somewhere';
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}

export interface LoadOptions {
  /** Values that take precedence over the file's (action inputs, CLI flags). */
  readonly overrides?: Partial<Record<'region' | 'endpoint' | 'profile', string>>;
  /** The environment, for AWS_REGION; process.env by default. */
  readonly env?: NodeJS.ProcessEnv;
  /** On the embedded local service the region only names ARNs: it may be left out. */
  readonly local?: boolean;
  /** Outputs the action built (its `build` input): a function's candidate and baseline when it gives none. */
  readonly builds?: { readonly candidate: string; readonly baseline: string };
}

/** The region the embedded service answers for when the configuration names none. */
const LOCAL_REGION = 'us-east-1';

/** Reads, validates and resolves a configuration file; throws ConfigError listing every problem. */
export function loadConfig(file: string, options: LoadOptions = {}): GateConfig {
  const stats = statSync(file, { throwIfNoEntry: false });
  if (!stats)
    throw new ConfigError(file, [
      'file not found: create it (lambda-perf-gate init writes a starter), or pass --config with the right path',
    ]);
  if (stats.isDirectory()) {
    const inside = ['lambda-perf.yml', 'lambda-perf.yaml', 'lambda-perf.json']
      .map((name) => join(file, name))
      .find((path) => existsSync(path));
    throw new ConfigError(file, [
      `is a directory, not a configuration file${inside ? `; did you mean --config ${inside}?` : ''}`,
    ]);
  }
  if (!stats.isFile()) throw new ConfigError(file, ['is not a regular file (a device, a pipe or a socket)']);
  const tooBig = (): ConfigError =>
    new ConfigError(file, [
      `is over ${MAX_CONFIG_BYTES} bytes (1 MiB); a configuration is far smaller (is it the right file?)`,
    ]);
  if (stats.size > MAX_CONFIG_BYTES) throw tooBig();
  let bytes: Buffer | undefined;
  try {
    bytes = readAtMost(file, MAX_CONFIG_BYTES);
  } catch (error) {
    throw new ConfigError(file, [`cannot be read (${(error as NodeJS.ErrnoException).code ?? errorMessage(error)})`]);
  }
  // It grew after it was measured.
  if (!bytes) throw tooBig();
  const text = bytes.toString('utf8');
  return validateConfig(parseDocument(text, file), file, options);
}

/** A file's bytes, or undefined when it holds more than `max`: never more than max + 1 are read. */
export function readAtMost(file: string, max: number): Buffer | undefined {
  const buffer = Buffer.alloc(max + 1);
  const fd = openSync(file, 'r');
  try {
    let length = 0;
    for (;;) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
      if (length > max) return undefined;
    }
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}

/** Validates a parsed document; relative paths resolve against the source file's directory. */
export function validateConfig(document: unknown, source: string, options: LoadOptions = {}): GateConfig {
  if (document === null || document === undefined)
    throw new ConfigError(source, [
      'the file is empty: it needs at least functions (lambda-perf-gate init writes a starter)',
    ]);
  const topLevel = topLevelProblem(document);
  if (topLevel) throw new ConfigError(source, [topLevel]);
  const built = withBuilds(document, options.builds);
  const withOverrides =
    built && typeof built === 'object' ? { ...(built as object), ...stripUndefined(options.overrides ?? {}) } : built;
  const parsed = configSchema.safeParse(withOverrides);
  if (!parsed.success)
    throw new ConfigError(
      source,
      withoutRedundantIssues(parsed.error.issues).flatMap((issue) => describeIssue(issue, withOverrides).split('\n')),
    );
  const problems: string[] = [];
  const traffic = (withOverrides as { traffic?: Record<string, unknown> }).traffic;
  const trafficSource = traffic?.['invocations-per-month'] === undefined ? 'default' : 'config';
  const config = resolveConfig(parsed.data, dirname(resolve(source)), problems, options, trafficSource);
  if (problems.length) throw new ConfigError(source, problems);
  return config;
}

/**
 * A document that is no mapping: each of its items would be "unknown key" (a list's 0, 1, ...), or
 * the schema would say "must be a mapping" without saying of what.
 */
function topLevelProblem(document: unknown): string | undefined {
  if (typeof document === 'object' && document !== null && !Array.isArray(document)) return undefined;
  const mapping = 'the file must be a mapping with a functions: key';
  if (Array.isArray(document))
    return `the top level is a list: ${mapping} (write functions: and indent the list under it)`;
  const kind = typeof document === 'string' ? 'a string' : typeof document === 'number' ? 'a number' : 'true or false';
  return `the top level is ${kind} (${shown(document)}): ${mapping}`;
}

function withBuilds(document: unknown, builds: LoadOptions['builds']): unknown {
  const functions = (document as { functions?: unknown } | null)?.functions;
  if (!builds || !Array.isArray(functions)) return document;
  const filled = functions.map((fn: unknown) =>
    fn && typeof fn === 'object' && !Array.isArray(fn)
      ? { candidate: builds.candidate, baseline: builds.baseline, ...fn }
      : fn,
  );
  return { ...(document as object), functions: filled };
}

/** Drops undefined values, so optional keys are absent rather than undefined. */
function stripUndefined<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

function resolveConfig(
  raw: RawConfig,
  directory: string,
  problems: string[],
  options: LoadOptions,
  trafficSource: TrafficSource,
): GateConfig {
  const env = options.env ?? process.env;
  const local = options.local === true;
  const region = raw.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? (local ? LOCAL_REGION : undefined);
  if (!region) problems.push('region: not set; set region in the file or AWS_REGION in the environment');
  else {
    const unpriced = unpricedRegionProblem(region);
    if (unpriced) problems.push(unpriced);
  }
  const defaults = designDefaults(raw.sampling.design);
  const sampling = {
    ...raw.sampling,
    batch: raw.sampling.batch ?? defaults.batch,
    'max-environment-pairs': raw.sampling['max-environment-pairs'] ?? defaults.maxEnvironmentPairs,
  };
  const names = new Set<string>();
  const functions = raw.functions.map((fn, index) => {
    if (names.has(fn.name)) problems.push(`functions[${index}].name: "${fn.name}" is used twice; names must be unique`);
    names.add(fn.name);
    return resolveFunction(fn, `functions[${index}]`, { directory, problems, builds: options.builds }, raw.integration);
  });
  problems.push(...samplingProblems(sampling, functions));
  if (sampling.design === 'duet') problems.push(...functions.flatMap(duetProblems));
  functions.forEach((fn, i) => {
    const price =
      fn.managedInstances && region
        ? managedInstancePrice(region, fn.managedInstances.instanceType, fn.managedInstances.usdPerHour)
        : 0;
    if (typeof price === 'string') problems.push(`functions[${i}].managed-instances.instance-type: ${price}`);
  });
  return {
    region: region ?? '',
    ...(raw.endpoint ? { endpoint: raw.endpoint.replace(/\/$/, '') } : {}),
    functions,
    sampling: {
      pairsPerEnvironment: sampling['pairs-per-environment'],
      batch: sampling.batch,
      maxEnvironmentPairs: sampling['max-environment-pairs'],
      concurrency: sampling.concurrency,
      confidence: sampling.confidence,
      passConfidence: sampling['pass-confidence'],
      ...(sampling.seed === undefined ? {} : { seed: sampling.seed }),
      design: sampling.design,
    },
    strategy: raw.strategy,
    profile: raw.profile,
    balancedWeight: raw['balanced-weight'],
    traffic: {
      invocationsPerMonth: raw.traffic['invocations-per-month'],
      source: trafficSource,
      coldStartRate: raw.traffic['cold-start-rate'],
      ...(raw.traffic['account-gb-seconds-per-month'] === undefined
        ? {}
        : { accountGbSecondsPerMonth: raw.traffic['account-gb-seconds-per-month'] }),
    },
  };
}

/**
 * A plan that cannot reach a verdict by construction: a cap below one batch, or fewer environment
 * pairs at the cap than the signed-rank test needs to reach the last look's level (the smallest
 * one-sided p of k summaries is 2^-k) for the function with the most variants.
 */
function samplingProblems(
  sampling: RawConfig['sampling'] & { readonly batch: number; readonly 'max-environment-pairs': number },
  functions: readonly FunctionSpec[],
): string[] {
  const batch = sampling.batch;
  const cap = sampling['max-environment-pairs'];
  if (cap < batch)
    return [
      `sampling.max-environment-pairs: ${cap} is below one batch (sampling.batch ${batch}); use ${batch} or more`,
    ];
  const variants = Math.max(
    1,
    // Distinct sizes: a size listed twice is its own problem, not a second variant.
    ...functions.map((fn) => new Set(fn.memory ?? [0]).size * fn.architectures.length * fn.variants.length),
  );
  const share = metricAlphaShare(1 - sampling.confidence, variants);
  const beta = 1 - sampling['pass-confidence'];
  const lastLook = (environmentPairs: number) =>
    looksLevels(
      { pairsPerEnvironment: sampling['pairs-per-environment'], batch, maxEnvironmentPairs: environmentPairs },
      share,
      beta,
    ).at(-1)!;
  const reachable = (environmentPairs: number): boolean => {
    const last = lastLook(environmentPairs);
    return 2 ** -environmentPairs <= Math.min(last.alpha, last.beta);
  };
  if (reachable(cap)) return [];
  let works = cap + batch;
  while (!reachable(works)) works += batch;
  // The level out of reach names the setting it comes from: a pass's is the pass-confidence.
  const last = lastLook(cap);
  const pass = last.beta < last.alpha && 2 ** -cap > last.beta;
  const [what, level, lower] = pass
    ? [`a pass at sampling.pass-confidence ${sampling['pass-confidence']}`, last.beta, 'sampling.pass-confidence']
    : [
        `a regression at ${sampling.confidence} confidence over ${variants} variant(s)`,
        last.alpha,
        'sampling.confidence',
      ];
  return [
    `sampling.max-environment-pairs: ${cap} environment pairs can never show ${what}: the last look needs p ≤ ${level.toPrecision(2)}, and the smallest p-value of ${cap} environment pairs is ${(2 ** -cap).toPrecision(2)}; use ${works} or more, or a lower ${lower}`,
  ];
}

function resolveCode(
  source: CodeSource | BaselineSource,
  where: string,
  directory: string,
  problems: string[],
): CodeLocation {
  if (typeof source === 'string') {
    const path = resolve(directory, source);
    if (!existsSync(path)) {
      problems.push(`${where}: ${source} does not exist (resolved to ${path})`);
      return { kind: 'directory', path };
    }
    if (statSync(path).isDirectory()) return { kind: 'directory', path };
    if (path.endsWith('.zip')) return { kind: 'zip', path };
    problems.push(`${where}: ${source} must be a directory or a .zip file`);
    return { kind: 'zip', path };
  }
  if ('s3' in source) {
    const [, bucket = '', key = ''] = /^s3:\/\/([^/]+)\/(.+)$/.exec(source.s3) ?? [];
    return { kind: 's3', bucket, key };
  }
  if ('image' in source) return { kind: 'image', uri: source.image };
  if ('version' in source) return { kind: 'version', version: source.version };
  return { kind: 'alias', alias: source.alias };
}

/** Where a function's paths resolve from, where its problems go, and the action's builds. */
interface Resolution {
  readonly directory: string;
  readonly problems: string[];
  readonly builds: LoadOptions['builds'];
}

/**
 * A build's location; with build-output, the function's directory inside it. The output of the
 * action's own build is not there yet when the configuration is read: its path stands as it will be.
 */
function resolveBuild(
  source: CodeSource | BaselineSource,
  fn: RawFunction,
  build: Build,
  where: string,
  { directory, problems, builds }: Resolution,
): CodeLocation {
  const inside = fn['build-output'];
  const at = `${where}.${build}`;
  if (inside === undefined || typeof source !== 'string') return resolveCode(source, at, directory, problems);
  const root = resolve(directory, source);
  if (builds && root === resolve(builds[build])) return { kind: 'directory', path: join(root, inside) };
  return resolveCode(join(source, inside), `${at} with ${where}.build-output`, directory, problems);
}

function resolveFunction(
  fn: RawFunction,
  where: string,
  resolution: Resolution,
  globalIntegration: RawConfig['integration'],
): FunctionSpec {
  const { directory, problems } = resolution;
  if (!fn.template && (!fn.runtime || !fn.handler)) {
    problems.push(`${where}: give either template (an existing function to copy) or runtime and handler`);
  }
  const baseline = resolveBuild(fn.baseline, fn, 'baseline', where, resolution);
  if ((baseline.kind === 'version' || baseline.kind === 'alias') && !fn.template) {
    problems.push(
      `${where}.baseline: {${baseline.kind}: ...} refers to the template function, so template must be set`,
    );
  }
  const memory = fn.memory ?? [];
  const duplicate = memory.find((m, i) => memory.indexOf(m) !== i);
  if (duplicate !== undefined) problems.push(`${where}.memory: ${duplicate} is listed twice`);
  const variants: VariantSpec[] = (fn.variants ?? [{ name: 'default' }]).map((v) => ({
    name: v.name,
    environment: v.environment ?? {},
    ...(v['snap-start'] === undefined ? {} : { snapStart: v['snap-start'] }),
  }));
  const variantNames = variants.map((v) => v.name);
  variantNames.forEach((name, i) => {
    if (variantNames.indexOf(name) !== i) problems.push(`${where}.variants[${i}].name: "${name}" is used twice`);
  });
  const exemplars = fn.exemplars.map((exemplar, i) =>
    resolveExemplar(exemplar, `${where}.exemplars[${i}]`, directory, problems),
  );
  exemplars.forEach((e, i) => {
    if (exemplars.findIndex((other) => other.name === e.name) !== i)
      problems.push(`${where}.exemplars[${i}].name: "${e.name}" is used twice`);
  });
  const { 'max-regression': maxRegression, ...limits } = fn.budgets ?? {};
  const budgets: Budgets = stripUndefined(limits);
  const spec: FunctionSpec = {
    name: fn.name,
    ...stripUndefined({
      template: fn.template,
      runtime: fn.runtime,
      handler: fn.handler,
      role: fn.role,
      timeoutS: fn.timeout,
    }),
    environment: fn.environment ?? {},
    candidate: resolveBuild(fn.candidate, fn, 'candidate', where, resolution),
    baseline,
    ...(fn['build-output'] === undefined ? {} : { buildOutput: fn['build-output'] }),
    ...(fn.memory ? { memory: [...fn.memory] } : {}),
    architectures: fn.architectures ?? ['x86_64'],
    variants,
    exemplars,
    budgets,
    tolerance: maxRegression ?? DEFAULT_TOLERANCE,
    ...integrationOf(fn.integration ?? globalIntegration, directory),
    ...(fn['managed-instances']
      ? {
          managedInstances: {
            instanceType: fn['managed-instances']['instance-type'],
            instances: fn['managed-instances'].instances,
            ...(fn['managed-instances']['usd-per-hour'] === undefined
              ? {}
              : { usdPerHour: fn['managed-instances']['usd-per-hour'] }),
          },
        }
      : {}),
  };
  problems.push(...environmentProblems(spec, where));
  return spec;
}

function integrationOf(raw: RawConfig['integration'], directory: string): { integration?: IntegrationSpec } {
  if (!raw) return {};
  return {
    integration: {
      command: raw.command,
      directory,
      timeoutS: raw['timeout-s'],
      repeat: raw.repeat,
      environment: raw.environment ?? {},
      maxLogWaitS: raw['max-log-wait-s'],
      concurrent: raw.concurrent,
    },
  };
}

function resolveExemplar(
  exemplar: RawFunction['exemplars'][number],
  where: string,
  directory: string,
  problems: string[],
): ExemplarSpec {
  let payload = Buffer.from('{}');
  if ((exemplar.payload === undefined) === (exemplar.event === undefined)) {
    problems.push(`${where}: give exactly one of payload (a JSON file) or event (inline)`);
  } else if (exemplar.payload !== undefined) {
    // The path may point anywhere (the config is code): say what is wrong with the file, never what is in it.
    const path = resolve(directory, exemplar.payload);
    const stats = statSync(path, { throwIfNoEntry: false });
    if (!stats) problems.push(`${where}.payload: ${exemplar.payload} does not exist (resolved to ${path})`);
    else if (!stats.isFile())
      problems.push(`${where}.payload: ${exemplar.payload} is not a file (resolved to ${path})`);
    else if (stats.size > MAX_PAYLOAD_BYTES)
      problems.push(
        `${where}.payload: ${exemplar.payload} is ${stats.size} bytes; Lambda accepts at most ${MAX_PAYLOAD_BYTES}`,
      );
    else {
      try {
        payload = readFileSync(path);
        JSON.parse(payload.toString('utf8'));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        problems.push(
          `${where}.payload: ${exemplar.payload} ${code ? `cannot be read (${code})` : jsonSyntaxProblem(error)}`,
        );
      }
    }
  } else {
    payload = Buffer.from(JSON.stringify(exemplar.event));
  }
  if (payload.length > MAX_PAYLOAD_BYTES)
    problems.push(`${where}: the event is ${payload.length} bytes; Lambda accepts at most ${MAX_PAYLOAD_BYTES}`);
  if (exemplar.expect !== undefined && exemplar['expect-error'] !== undefined) {
    problems.push(`${where}: give expect (for an answer) or expect-error (for a failure), not both`);
  }
  return {
    name: exemplar.name,
    payload,
    weight: exemplar.weight,
    ...(exemplar.expect === undefined ? {} : { expect: exemplar.expect }),
    ...(exemplar['expect-error'] === undefined ? {} : { expectError: exemplar['expect-error'] }),
  };
}
