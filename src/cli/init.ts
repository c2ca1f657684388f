import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { KNOWN_RUNTIMES } from '../config/schema.js';
import { UsageError } from '../errors.js';

export const INIT_HELP = `Usage: lambda-perf-gate init [DIRECTORY] [options]

Writes a starter lambda-perf.yml, with comments, for the function whose code (a built
directory) is DIRECTORY, or for an existing function given by --template. The runtime and
handler are detected where the directory shows them: a package.json and a .js/.mjs/.cjs
file exporting handler, a .py file defining lambda_handler or handler, or an executable
bootstrap (provided.al2023). Check it with: lambda-perf-gate validate

Options:
  --template NAME         an existing function whose configuration the perf functions copy
  --name NAME             the function's name in reports (default: the directory's name)
  --region NAME           region to write (default AWS_REGION, else us-east-1)
  -c, --config FILE       where to write (default lambda-perf.yml)
  --force                 overwrite an existing file
  -h, --help              this help
`;

export interface InitArguments {
  readonly directory?: string;
  readonly template?: string;
  readonly name?: string;
  readonly region?: string;
  readonly config: string;
  readonly force: boolean;
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
    },
  });
  if (positionals.length > 1)
    throw new UsageError(`init takes one directory, got ${positionals.length}: ${positionals.join(' ')}`);
  const directory = positionals[0];
  if (directory === undefined && !values.template)
    throw new UsageError("init needs the function's code directory (e.g. init ./dist) or --template NAME");
  return {
    ...(directory === undefined ? {} : { directory }),
    ...(values.template ? { template: values.template } : {}),
    ...(values.name ? { name: values.name } : {}),
    ...(values.region ? { region: values.region } : {}),
    config: values.config ?? 'lambda-perf.yml',
    force: values.force ?? false,
  };
}

export interface DetectedRuntime {
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
export function detectRuntime(directory: string): DetectedRuntime | undefined {
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

function functionName(args: InitArguments, directory: string | undefined): string {
  const raw = args.name ?? args.template ?? (directory ? basename(resolve(directory)) : 'my-function');
  const name = raw
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return name || 'my-function';
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

/** The starter file's text. */
export function starterConfig(args: InitArguments, detected: DetectedRuntime | undefined, region: string): string {
  const configDirectory = dirname(resolve(args.config));
  const code = args.directory ? relativeTo(configDirectory, args.directory) : './dist';
  const lines = [
    '# yaml-language-server: $schema=https://github.com/lambda-perf-gate/lambda-perf-gate/lambda-perf.schema.json',
    '# lambda-perf-gate configuration. Check it with: npx lambda-perf-gate validate',
    '# Try it on the embedded local Lambda service with: npx lambda-perf-gate run --local',
    commented(`region: ${region}`, 'where the perf functions are created (not needed with --local)'),
    'functions:',
    `  - name: ${functionName(args, args.directory)}`,
  ];
  if (args.template)
    lines.push(
      commented(
        `    template: ${args.template}`,
        'an existing function: runtime, handler, role, layers, VPC, memory are copied',
      ),
    );
  if (detected) {
    lines.push(
      commented(`    runtime: ${detected.runtime}`, `detected: ${detected.from}`),
      `    handler: ${detected.handler}`,
    );
  } else if (!args.template) {
    lines.push(
      commented('    runtime: nodejs22.x', 'not detected: set the runtime and the handler'),
      '    handler: index.handler',
    );
  }
  if (!args.template)
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
    '',
  );
  return lines.join('\n');
}

/** `lambda-perf-gate init`: writes a starter configuration that `validate` accepts. */
export function initCommand(
  args: InitArguments,
  out: (text: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): number {
  if (existsSync(args.config) && !args.force)
    throw new UsageError(`${args.config} already exists; pass --force to overwrite it`);
  if (args.directory !== undefined) {
    const stats = statSync(args.directory, { throwIfNoEntry: false });
    if (!stats?.isDirectory())
      throw new UsageError(
        `${args.directory} is not a directory: give the directory that holds the function's built code`,
      );
  }
  const detected = args.directory === undefined ? undefined : detectRuntime(args.directory);
  const region = args.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const text = starterConfig(args, detected, region);
  try {
    writeFileSync(args.config, text, { flag: args.force ? 'w' : 'wx' });
  } catch (error) {
    throw new UsageError(`cannot write ${args.config}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  out(
    `Wrote ${args.config}${detected ? ` (${detected.runtime}, handler ${detected.handler}: ${detected.from})` : ''}.\n`,
  );
  if (args.directory !== undefined && !detected && !args.template)
    out('The runtime and handler were not detected: set them in the file.\n');
  out("Next: point baseline at the base branch's build, then run: lambda-perf-gate validate\n");
  return 0;
}
