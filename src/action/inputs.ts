import { isAbsolute, normalize } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../config/config-error.js';
import { PROFILE_MODES } from '../config/schema.js';
import type { ProfileMode } from '../config/types.js';
import { endpointProblem } from '../config/endpoint.js';
import { errorMessage } from '../errors.js';
import { DEFAULT_FAIL_ON, parseFailOn, type FailOn } from '../result/fail-on.js';
import { COMMENT_MODES, type CommentMode } from '../github/sticky-comment.js';
import { CLOCKS, type ClockKind } from '../local-lambda/host/thread-times.js';

/** The action's input and output names, in one place (they are also in action.yml). */
export const INPUT = {
  config: 'config',
  githubToken: 'github-token',
  awsRegion: 'aws-region',
  endpoint: 'endpoint',
  backend: 'backend',
  localClock: 'local-clock',
  failOn: 'fail-on',
  comment: 'comment',
  commentKey: 'comment-key',
  applyMemory: 'apply-memory',
  reportPath: 'report-path',
  mode: 'mode',
  prNumber: 'pr-number',
  function: 'function',
  template: 'template',
  runtime: 'runtime',
  handler: 'handler',
  candidate: 'candidate',
  baseline: 'baseline',
  memory: 'memory',
  budgets: 'budgets',
  exemplars: 'exemplars',
  build: 'build',
  buildOutput: 'build-output',
  acceptedRegressionLabel: 'accepted-regression-label',
  profile: 'profile',
} as const;

/** The inputs that describe the one function of inline mode, in the order they are named. */
const INLINE_ONLY = [
  INPUT.function,
  INPUT.template,
  INPUT.runtime,
  INPUT.handler,
  INPUT.baseline,
  INPUT.memory,
  INPUT.budgets,
  INPUT.exemplars,
] as const;

const DEFAULT_ACCEPTED_REGRESSION_LABEL = 'perf-regression-accepted';

export const OUTPUT = {
  verdict: 'verdict',
  recommendedMemory: 'recommended-memory',
  recommendations: 'recommendations',
  reportPath: 'report-path',
  commentUrl: 'comment-url',
  costChangePercent: 'cost-change-percent',
  profiles: 'profiles',
} as const;

export interface InlineFunction {
  readonly name: string;
  readonly template?: string;
  readonly runtime?: string;
  readonly handler?: string;
  /** Absent when the action builds both (the `build` input). */
  readonly candidate?: string;
  readonly baseline?: unknown;
  readonly memory?: unknown;
  readonly budgets?: unknown;
  readonly exemplars?: unknown;
}

export interface ActionInputs {
  /** `measure` runs the gate; `comment` posts a report file (the workflow_run half of the fork-safe pair). */
  readonly mode: 'measure' | 'comment';
  readonly config: string;
  /** Stands in for a config file in a repository with a single function. */
  readonly inline?: InlineFunction;
  readonly githubToken: string;
  readonly region?: string;
  readonly endpoint?: string;
  readonly backend: 'aws' | 'local';
  /** backend local: where Durations come from (the service's default, model, when not given). */
  readonly localClock?: ClockKind;
  readonly failOn: readonly FailOn[];
  readonly comment: CommentMode;
  readonly commentKey: string;
  readonly applyMemory: boolean;
  readonly reportPath: string;
  readonly prNumber?: number;
  /** Build the head in the workspace and the base commit in a worktree, and measure the two outputs. */
  readonly build?: { readonly command: string; readonly output: string };
  /** A pull request carrying this label accepts a regression (budgets and errors still fail). */
  readonly acceptedRegressionLabel: string;
  /** Overrides the configuration's `profile`. */
  readonly profile?: ProfileMode;
}

function yamlValue(text: string, input: string, problems: string[]): unknown {
  try {
    return parseYaml(text) as unknown;
  } catch (error) {
    problems.push(`input ${input}: is not valid YAML (${errorMessage(error).split('\n')[0]})`);
    return undefined;
  }
}

/**
 * The function the inputs describe in place of a config file, when they describe one: with
 * `candidate`, or, where the action builds both sides, with a function's own inputs.
 */
function inlineFunction(
  value: (name: string) => string | undefined,
  built: boolean,
  problems: string[],
): InlineFunction | undefined {
  const candidate = value(INPUT.candidate);
  const template = value(INPUT.template);
  // With build, the function's own inputs select the inline mode: the action supplies both builds.
  const namesAFunction = [INPUT.function, INPUT.template, INPUT.runtime, INPUT.handler].some(
    (name) => value(name) !== undefined,
  );
  if (candidate !== undefined || (built && namesAFunction)) {
    const baseline = value(INPUT.baseline);
    if (baseline === undefined && !built)
      problems.push(
        `input ${INPUT.baseline}: is required with ${INPUT.candidate} (a path, or a version or alias of the template such as "version: 12"), unless ${INPUT.build} builds it`,
      );
    const name = value(INPUT.function) ?? template ?? 'function';
    const baselineValue =
      baseline === undefined
        ? undefined
        : baseline.includes(':')
          ? yamlValue(baseline, INPUT.baseline, problems)
          : baseline;
    const memory = value(INPUT.memory);
    return {
      name,
      ...(candidate ? { candidate } : {}),
      ...(baselineValue === undefined ? {} : { baseline: baselineValue }),
      ...(template ? { template } : {}),
      ...(value(INPUT.runtime) ? { runtime: value(INPUT.runtime)! } : {}),
      ...(value(INPUT.handler) ? { handler: value(INPUT.handler)! } : {}),
      ...(memory
        ? { memory: memory.startsWith('[') ? yamlValue(memory, INPUT.memory, problems) : memorySizes(memory, problems) }
        : {}),
      ...(value(INPUT.budgets) ? { budgets: yamlValue(value(INPUT.budgets)!, INPUT.budgets, problems) } : {}),
      ...(value(INPUT.exemplars) ? { exemplars: yamlValue(value(INPUT.exemplars)!, INPUT.exemplars, problems) } : {}),
    };
  }
  return undefined;
}

/**
 * Reads every input once into one typed object; business code never reads inputs itself. All
 * problems are reported together, each naming the input and the value.
 */
export function readInputs(get: (name: string) => string): ActionInputs {
  const problems: string[] = [];
  // Every input is read here, once, whether or not this run needs it.
  const raw = new Map<string, string>(Object.values(INPUT).map((name) => [name, get(name).trim()]));
  const value = (name: string): string | undefined => {
    const text = raw.get(name);
    return text === undefined || text === '' ? undefined : text;
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const text = value(name) ?? fallback;
    if (!allowed.includes(text as T))
      problems.push(`input ${name}: must be one of ${allowed.join(', ')} (got "${text}")`);
    return text as T;
  };
  const parsedFailOn = parseFailOn(value(INPUT.failOn) ?? DEFAULT_FAIL_ON.join(','));
  for (const problem of parsedFailOn.problems) problems.push(`input ${INPUT.failOn}: ${problem}`);
  const failOn = parsedFailOn.failOn;
  const applyRaw = (value(INPUT.applyMemory) ?? 'false').toLowerCase();
  if (!['true', 'false'].includes(applyRaw))
    problems.push(`input ${INPUT.applyMemory}: must be true or false (got "${applyRaw}")`);
  const prRaw = value(INPUT.prNumber);
  if (prRaw !== undefined && !/^\d+$/.test(prRaw))
    problems.push(`input ${INPUT.prNumber}: must be a pull request number (got "${prRaw}")`);
  const build = buildInputs(value(INPUT.build), value(INPUT.buildOutput), problems);

  const inline = inlineFunction(value, build !== undefined, problems);
  const label = value(INPUT.acceptedRegressionLabel) ?? DEFAULT_ACCEPTED_REGRESSION_LABEL;
  const mode = oneOf(INPUT.mode, ['measure', 'comment'] as const, 'measure');
  // Read only in place of a file: beside one they would change nothing, and a reader expects them to.
  const unread = inline || mode === 'comment' ? [] : INLINE_ONLY.filter((name) => value(name) !== undefined);
  if (unread.length) {
    const [subject, verb, pronoun] =
      unread.length === 1 ? [`input ${unread[0]!}`, 'is', 'it'] : [`inputs ${unread.join(', ')}`, 'are', 'them'];
    problems.push(
      `${subject}: ${verb} read only in place of a config file (with ${INPUT.candidate}, or with ${INPUT.build} and one of ${INPUT.function}, ${INPUT.template}, ${INPUT.runtime}, ${INPUT.handler}), but this run reads the config file ${value(INPUT.config) ?? 'lambda-perf.yml'} (the ${INPUT.config} input); set ${pronoun} in that file, or give ${INPUT.candidate} and ${INPUT.baseline} to measure without a file`,
    );
  }
  const inputs: ActionInputs = {
    mode,
    config: value(INPUT.config) ?? 'lambda-perf.yml',
    ...(inline ? { inline } : {}),
    githubToken: value(INPUT.githubToken) ?? '',
    ...(value(INPUT.awsRegion) ? { region: value(INPUT.awsRegion)! } : {}),
    ...(value(INPUT.endpoint) ? { endpoint: value(INPUT.endpoint)! } : {}),
    backend: oneOf(INPUT.backend, ['aws', 'local'] as const, 'aws'),
    ...(value(INPUT.localClock) ? { localClock: oneOf(INPUT.localClock, CLOCKS, 'model') } : {}),
    failOn,
    comment: oneOf(INPUT.comment, COMMENT_MODES, 'always'),
    // A file's comment is keyed by its path; an inline function's by its name, in a form no
    // configuration path takes by accident, so the two never update each other's comment.
    commentKey:
      value(INPUT.commentKey) ?? (inline ? `function:${inline.name}` : (value(INPUT.config) ?? 'lambda-perf.yml')),
    applyMemory: applyRaw === 'true',
    reportPath: value(INPUT.reportPath) ?? 'lambda-perf-report.json',
    ...(prRaw && /^\d+$/.test(prRaw) ? { prNumber: Number(prRaw) } : {}),
    ...(build ? { build } : {}),
    acceptedRegressionLabel: label,
    ...(value(INPUT.profile) ? { profile: oneOf(INPUT.profile, PROFILE_MODES, 'on-regression') } : {}),
  };
  const endpointWrong = inputs.endpoint === undefined ? undefined : endpointProblem(inputs.endpoint);
  if (endpointWrong)
    problems.push(`input ${INPUT.endpoint}: ${endpointWrong} (got ${JSON.stringify(inputs.endpoint)})`);
  if (inputs.backend === 'local' && inputs.endpoint)
    problems.push(`input ${INPUT.endpoint}: backend local starts its own endpoint; leave ${INPUT.endpoint} empty`);
  if (inputs.backend !== 'local' && inputs.localClock)
    problems.push(
      `input ${INPUT.localClock}: sets the clock of the local service, which backend ${inputs.backend} does not start; leave it empty or set ${INPUT.backend}: local`,
    );
  if (problems.length) throw new ConfigError('the action inputs', problems);
  return inputs;
}

/** "256, 512 1024" as numbers; anything else is a problem about the memory input. */
function memorySizes(text: string, problems: string[]): number[] {
  const items = text.split(/[\s,]+/).filter(Boolean);
  const bad = items.filter((item) => !/^\d+$/.test(item));
  if (bad.length)
    problems.push(
      `input ${INPUT.memory}: ${bad.map((item) => JSON.stringify(item)).join(', ')} ${bad.length > 1 ? 'are not memory sizes' : 'is not a memory size'} in MB; write whole numbers such as "256,512,1024"`,
    );
  return items.filter((item) => /^\d+$/.test(item)).map(Number);
}

function buildInputs(
  command: string | undefined,
  output: string | undefined,
  problems: string[],
): ActionInputs['build'] {
  if (command === undefined && output === undefined) return undefined;
  if (command === undefined) {
    problems.push(
      `input ${INPUT.buildOutput}: is set, but ${INPUT.build} is not; give the command that produces ${output}`,
    );
    return undefined;
  }
  if (output === undefined) {
    problems.push(
      `input ${INPUT.buildOutput}: is required with ${INPUT.build} (the directory or .zip the command produces, relative to the repository root)`,
    );
    return undefined;
  }
  const normalized = normalize(output);
  if (isAbsolute(output) || normalized === '..' || normalized.startsWith('../')) {
    problems.push(
      `input ${INPUT.buildOutput}: must be a path inside the repository, relative to its root (got "${output}")`,
    );
    return undefined;
  }
  return { command, output: normalized };
}

/** The configuration document the inline inputs stand for. */
export function inlineDocument(inline: InlineFunction): Record<string, unknown> {
  return {
    functions: [
      {
        name: inline.name,
        ...(inline.template ? { template: inline.template } : {}),
        ...(inline.runtime ? { runtime: inline.runtime } : {}),
        ...(inline.handler ? { handler: inline.handler } : {}),
        ...(inline.candidate === undefined ? {} : { candidate: inline.candidate }),
        ...(inline.baseline === undefined ? {} : { baseline: inline.baseline }),
        ...(inline.memory === undefined ? {} : { memory: inline.memory }),
        ...(inline.budgets === undefined ? {} : { budgets: inline.budgets }),
        exemplars: inline.exemplars ?? [{ name: 'empty-event', event: {} }],
      },
    ],
  };
}
