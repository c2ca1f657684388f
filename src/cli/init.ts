import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { isMap, isSeq, parse, parseDocument } from 'yaml';
import { CONFIG_SCHEMA_URL, KNOWN_RUNTIMES } from '../config/schema.js';
import { UsageError } from '../errors.js';

export const INIT_HELP = `Usage: lambda-perf-gate init [DIRECTORY...] [options]

Writes a starter lambda-perf.yml, with comments, for the functions whose code (a built
directory) each DIRECTORY is, or for an existing function given by --template. A directory
that shows no function but whose subdirectories do is one function per subdirectory. The
runtime and handler are detected where a directory shows them: a package.json and a
.js/.mjs/.cjs file exporting handler, a .py file defining lambda_handler or handler, or an
executable bootstrap (provided.al2023). Check it with: lambda-perf-gate validate

Options:
  --template NAME         an existing function whose configuration the perf functions copy
  --name NAME             the function's name in reports (default: the directory's name)
  --region NAME           region to write (default AWS_REGION, else us-east-1)
  -c, --config FILE       where to write (default lambda-perf.yml)
  --append                add the functions to an existing file, keeping its content and comments
  --force                 overwrite an existing file
  -h, --help              this help
`;

export interface InitArguments {
  readonly directories: readonly string[];
  readonly template?: string;
  readonly name?: string;
  readonly region?: string;
  readonly config: string;
  readonly force: boolean;
  readonly append: boolean;
}

export function parseInitArguments(args: string[]): InitArguments {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      template: { type: 'string' },
      name: { type: 'string' },
      region: { type: 'string' },
      config: { type: 'string', short: 'c' },
      force: { type: 'boolean' },
      append: { type: 'boolean' },
    },
  });
  if (positionals.length === 0 && !values.template)
    throw new UsageError("init needs the function's code directory (e.g. init ./dist) or --template NAME");
  if (values.append && values.force) throw new UsageError('give --append or --force, not both');
  return {
    directories: positionals,
    ...(values.template ? { template: values.template } : {}),
    ...(values.name ? { name: values.name } : {}),
    ...(values.region ? { region: values.region } : {}),
    config: values.config ?? 'lambda-perf.yml',
    force: values.force ?? false,
    append: values.append ?? false,
  };
}

interface DetectedRuntime {
  readonly runtime: string;
  readonly handler: string;
  /** How they were found, for the comment in the file. */
  readonly from: string;
}

const NODE_HANDLER =
  /\bexport\s+(?:const|let|var|async\s+function|function)\s+(handler)\b|\bexports\.(handler)\s*=|\bmodule\.exports\.(handler)\s*=|\bexport\s*\{[^}]*\b(handler)\b[^}]*\}/;
const PYTHON_HANDLER = /^(?:async\s+)?def\s+(lambda_handler|handler)\s*\(/m;

function nodeRuntime(directory: string): string {
  try {
    const manifest = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as {
      engines?: { node?: string };
    };
    const major = /(\d+)/.exec(manifest.engines?.node ?? '')?.[1];
    if (major && KNOWN_RUNTIMES.includes(`nodejs${major}.x`)) return `nodejs${major}.x`;
  } catch {
    // No manifest, or one that does not parse: the default runtime will do.
  }
  return 'nodejs22.x';
}

function pythonRuntime(directory: string): string {
  const pinned = existsSync(join(directory, '.python-version'))
    ? /^(\d+\.\d+)/.exec(readFileSync(join(directory, '.python-version'), 'utf8').trim())?.[1]
    : undefined;
  return pinned && KNOWN_RUNTIMES.includes(`python${pinned}`) ? `python${pinned}` : 'python3.12';
}

/** The runtime and handler a code directory shows, or undefined when it shows neither. */
function detectRuntime(directory: string): DetectedRuntime | undefined {
  if (existsSync(join(directory, 'bootstrap')))
    return { runtime: 'provided.al2023', handler: 'bootstrap', from: 'an executable named bootstrap' };
  const files = readdirSync(directory).sort((a, b) => preference(a) - preference(b) || a.localeCompare(b));
  for (const file of files) {
    const path = join(directory, file);
    if (!statSync(path).isFile() || statSync(path).size > 5_000_000) continue;
    const node = /^(.+)\.(mjs|cjs|js)$/.exec(file);
    if (node && NODE_HANDLER.test(readFileSync(path, 'utf8'))) {
      return { runtime: nodeRuntime(directory), handler: `${node[1]}.handler`, from: `${file} exports handler` };
    }
    const python = /^(.+)\.py$/.exec(file);
    const match = python ? PYTHON_HANDLER.exec(readFileSync(path, 'utf8')) : null;
    if (python && match)
      return {
        runtime: pythonRuntime(directory),
        handler: `${python[1]}.${match[1]}`,
        from: `${file} defines ${match[1]}`,
      };
  }
  return undefined;
}

/** Conventional handler file names first. */
function preference(file: string): number {
  const stem = file.replace(/\.[^.]+$/, '');
  const index = ['index', 'handler', 'app', 'lambda_function', 'main'].indexOf(stem);
  return index === -1 ? 99 : index;
}

/** One function of the starter file: its code directory (if any) and what it shows. */
interface StarterFunction {
  readonly name: string;
  readonly directory?: string;
  readonly template?: string;
  readonly detected?: DetectedRuntime;
}

/** A name the configuration takes: letters, digits, "_" and "-", at most 40. */
function functionName(raw: string): string {
  const name = raw
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return name || 'my-function';
}

/** Subdirectories that are no function's code: dependencies and hidden ones. */
const NOT_FUNCTIONS = /^(\.|node_modules$|__pycache__$)/;

/**
 * The functions a directory holds: itself when it shows a handler, else each subdirectory that
 * shows one (a build output of several functions), else itself, with the runtime to fill in.
 */
function functionsIn(directory: string): StarterFunction[] {
  const detected = detectRuntime(directory);
  if (detected) return [{ name: functionName(basename(resolve(directory))), directory, detected }];
  const inside = readdirSync(directory, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !NOT_FUNCTIONS.test(entry.name))
    .map((entry) => entry.name)
    .sort()
    .flatMap((name) => {
      const found = detectRuntime(join(directory, name));
      return found ? [{ name: functionName(name), directory: join(directory, name), detected: found }] : [];
    });
  return inside.length ? inside : [{ name: functionName(basename(resolve(directory))), directory }];
}

/** The functions init writes: those the directories hold, or the template's alone. */
function starterFunctions(args: InitArguments): StarterFunction[] {
  for (const directory of args.directories) {
    if (!statSync(directory, { throwIfNoEntry: false })?.isDirectory())
      throw new UsageError(`${directory} is not a directory: give the directory that holds the function's built code`);
    if (readdirSync(directory).length === 0)
      throw new UsageError(
        `${directory} is empty: build the function first, then give the directory that holds its built code`,
      );
  }
  const found = args.directories.flatMap(functionsIn);
  if (found.length > 1 && (args.name || args.template))
    throw new UsageError(
      `--name and --template describe one function, and the directories hold ${found.length}: ${found.map((fn) => fn.name).join(', ')}`,
    );
  const functions = found.length ? found : [{ name: functionName(args.template ?? 'my-function') }];
  return functions.map((fn) => ({
    ...fn,
    ...(args.name || args.template ? { name: functionName(args.name ?? args.template!) } : {}),
    ...(args.template ? { template: args.template } : {}),
  }));
}

/** A path as the configuration writes it: relative to the file's directory, with ./ in front. */
function relativeTo(configDirectory: string, path: string): string {
  const text = relative(configDirectory, resolve(path)).split(sep).join('/');
  return text === '' ? '.' : text.startsWith('.') ? text : `./${text}`;
}

/** A line with its comment, the comments of a block aligned. */
function commented(text: string, comment: string): string {
  return `${text.padEnd(40)} # ${comment}`;
}

/** One entry of `functions`, with comments. */
function functionLines(fn: StarterFunction, configDirectory: string): string[] {
  const code = fn.directory ? relativeTo(configDirectory, fn.directory) : './dist';
  const lines = [`  - name: ${fn.name}`];
  if (fn.template)
    lines.push(
      commented(
        `    template: ${fn.template}`,
        'an existing function: runtime, handler, role, layers, VPC, memory are copied',
      ),
    );
  if (fn.detected) {
    lines.push(
      commented(`    runtime: ${fn.detected.runtime}`, `detected: ${fn.detected.from}`),
      `    handler: ${fn.detected.handler}`,
    );
  } else if (!fn.template) {
    lines.push(
      commented('    runtime: nodejs22.x', 'not detected: set the runtime and the handler'),
      '    handler: index.handler',
    );
  }
  if (!fn.template)
    lines.push(commented('    # role: arn:aws:iam::123456789012:role/my-role', 'required on AWS without a template'));
  lines.push(
    commented(`    candidate: ${code}`, "the pull request's build: a directory or a .zip"),
    commented(`    baseline: ${code}`, "the base branch's build; the same code at first measures the noise"),
    commented('    # memory: [512, 1024, 2048]', "sizes to compare (default: the template's, or 1024 MB)"),
    commented('    exemplars:', 'the events both builds are invoked with'),
    '      - name: typical',
    commented('        event: {}', 'or payload: ./events/typical.json'),
    commented('        # expect: {statusCode: 200}', 'the response must contain this'),
    commented('        # expect-error: ValidationError', 'or: the event is meant to fail with this error type'),
    '    budgets:',
    commented('      max-regression: 5%', 'a slowdown beyond this, shown with confidence, fails'),
    '      # warm-p90-ms: 150',
    '      # cost-per-million-usd: 2.5',
  );
  return lines;
}

/** The starter file's text. */
function starterConfig(functions: readonly StarterFunction[], region: string, config: string): string {
  const configDirectory = dirname(resolve(config));
  return [
    `# yaml-language-server: $schema=${CONFIG_SCHEMA_URL}`,
    '# lambda-perf-gate configuration. Check it with: npx lambda-perf-gate validate',
    '# Try it on the embedded local Lambda service with: npx lambda-perf-gate run --local',
    commented(`region: ${region}`, 'where the perf functions are created (not needed with --local)'),
    'functions:',
    ...functions.flatMap((fn) => functionLines(fn, configDirectory)),
    '',
  ].join('\n');
}

/** The entries of `functions` in a starter file, as text, each line starting at column `indent`. */
function entriesText(functions: readonly StarterFunction[], config: string, indent: number): string[] {
  const shift = (line: string): string => (indent >= 2 ? ' '.repeat(indent - 2) + line : line.slice(2 - indent));
  return functions.flatMap((fn) => functionLines(fn, dirname(resolve(config)))).map(shift);
}

const indentOf = (line: string): number => line.length - line.trimStart().length;
const isComment = (line: string): boolean => line.trimStart().startsWith('#');

/**
 * Where a block list whose items start at `indent` ends: before the first line outside it, and
 * before the blank lines and the comments at its items' indentation or less that lead up to that
 * line (they belong to what follows, not to the last item).
 */
function listEnd(lines: readonly string[], first: number, indent: number): number {
  let end = first + 1;
  const inside = (line: string): boolean =>
    line.trim() === '' ||
    isComment(line) ||
    indentOf(line) > indent ||
    (indentOf(line) === indent && line.trimStart().startsWith('-'));
  while (end < lines.length && inside(lines[end]!)) end++;
  while (
    end > first + 1 &&
    (lines[end - 1]!.trim() === '' || (isComment(lines[end - 1]!) && indentOf(lines[end - 1]!) <= indent))
  )
    end--;
  return end;
}

/**
 * The existing file with the functions added at the end of its `functions`, everything else as it
 * was, comments included: YAML by inserting lines after the list's last item, JSON as JSON.
 */
function appended(text: string, functions: readonly StarterFunction[], config: string): string {
  const document = parseDocument(text);
  const [error] = document.errors;
  if (error) throw new UsageError(`${config} cannot be parsed, so nothing was added: ${error.message.split('\n')[0]}`);
  if (document.contents !== null && !isMap(document.contents))
    throw new UsageError(`${config} is not a mapping of keys to values, so nothing was added`);
  const existing = document.get('functions', true);
  if (existing !== undefined && !(isSeq(existing) && (extname(config) === '.json' || !existing.flow)))
    throw new UsageError(`${config}: functions is not a list in block style (- name: ...), so nothing was added`);
  const taken = new Set((existing?.items ?? []).map((item) => (isMap(item) ? String(item.get('name')) : '')));
  const clash = functions.find((fn) => taken.has(fn.name));
  if (clash) throw new UsageError(`${config} already has a function named ${clash.name}; give another with --name`);
  if (extname(config) === '.json') {
    const json = document.toJS() as { functions?: unknown[] };
    const added = parse(entriesText(functions, config, 0).join('\n')) as unknown[];
    return `${JSON.stringify({ ...json, functions: [...(json.functions ?? []), ...added] }, null, 2)}\n`;
  }
  const lines = text.replace(/\n$/, '').split('\n');
  if (!existing?.range) return [...lines, 'functions:', ...entriesText(functions, config, 2), ''].join('\n');
  const first = text.slice(0, existing.range[0]).split('\n').length - 1;
  const indent = indentOf(lines[first]!);
  const end = listEnd(lines, first, indent);
  return [...lines.slice(0, end), ...entriesText(functions, config, indent), ...lines.slice(end), ''].join('\n');
}

function described(fn: StarterFunction): string {
  const { detected } = fn;
  return detected ? `${fn.name} (${detected.runtime}, handler ${detected.handler}: ${detected.from})` : fn.name;
}

function write(args: InitArguments, functions: readonly StarterFunction[], env: NodeJS.ProcessEnv): void {
  if (args.append) {
    let text: string;
    try {
      text = readFileSync(args.config, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot add to ${args.config}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    writeOrSay(args.config, appended(text, functions, args.config), 'w');
    return;
  }
  if (existsSync(args.config) && !args.force)
    throw new UsageError(`${args.config} already exists; pass --append to add to it, or --force to overwrite it`);
  const region = args.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  writeOrSay(args.config, starterConfig(functions, region, args.config), args.force ? 'w' : 'wx');
}

function writeOrSay(file: string, text: string, flag: 'w' | 'wx'): void {
  try {
    writeFileSync(file, text, { flag });
  } catch (error) {
    throw new UsageError(`cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

/** `lambda-perf-gate init`: writes a starter configuration that `validate` accepts. */
export function initCommand(
  args: InitArguments,
  out: (text: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): number {
  const functions = starterFunctions(args);
  write(args, functions, env);
  out(`${args.append ? 'Added to' : 'Wrote'} ${args.config}: ${functions.map(described).join(', ')}.\n`);
  if (functions.some((fn) => fn.directory !== undefined && !fn.detected && !fn.template))
    out('The runtime and handler were not detected: set them in the file.\n');
  out("Next: point baseline at the base branch's build, then run: lambda-perf-gate validate\n");
  return 0;
}
