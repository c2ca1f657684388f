import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../config/config-error.js';
import { DEFAULT_FAIL_ON, parseFailOn, type FailOn } from '../report/fail-on.js';

/** The action's input and output names, in one place (they are also in action.yml). */
export const INPUT = {
  config: 'config',
  githubToken: 'github-token',
  awsRegion: 'aws-region',
  endpoint: 'endpoint',
  backend: 'backend',
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
} as const;

export const OUTPUT = {
  verdict: 'verdict',
  recommendedMemory: 'recommended-memory',
  recommendations: 'recommendations',
  reportPath: 'report-path',
  commentUrl: 'comment-url',
  costChangePercent: 'cost-change-percent',
} as const;

export type CommentMode = 'always' | 'on-change' | 'on-failure' | 'never';

export interface InlineFunction {
  readonly name: string;
  readonly template?: string;
  readonly runtime?: string;
  readonly handler?: string;
  readonly candidate: string;
  readonly baseline: unknown;
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
  readonly failOn: readonly FailOn[];
  readonly comment: CommentMode;
  readonly commentKey: string;
  readonly applyMemory: boolean;
  readonly reportPath: string;
  readonly prNumber?: number;
}

const COMMENT: readonly CommentMode[] = ['always', 'on-change', 'on-failure', 'never'];

function yamlValue(text: string, input: string, problems: string[]): unknown {
  try {
    return parseYaml(text) as unknown;
  } catch (error) {
    problems.push(`input ${input}: is not valid YAML (${(error as Error).message.split('\n')[0]})`);
    return undefined;
  }
}

/**
 * Reads every input once into one typed object; business code never reads inputs itself. All
 * problems are reported together, each naming the input and the value.
 */
export function readInputs(get: (name: string) => string): ActionInputs {
  const problems: string[] = [];
  const value = (name: string): string | undefined => {
    const raw = get(name).trim();
    return raw === '' ? undefined : raw;
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const raw = value(name) ?? fallback;
    if (!allowed.includes(raw as T)) problems.push(`input ${name}: must be one of ${allowed.join(', ')} (got "${raw}")`);
    return raw as T;
  };
  const parsedFailOn = parseFailOn(value(INPUT.failOn) ?? DEFAULT_FAIL_ON.join(','));
  for (const problem of parsedFailOn.problems) problems.push(`input ${INPUT.failOn}: ${problem}`);
  const failOn = parsedFailOn.failOn;
  const applyRaw = (value(INPUT.applyMemory) ?? 'false').toLowerCase();
  if (!['true', 'false'].includes(applyRaw)) problems.push(`input ${INPUT.applyMemory}: must be true or false (got "${applyRaw}")`);
  const prRaw = value(INPUT.prNumber);
  if (prRaw !== undefined && !/^\d+$/.test(prRaw)) problems.push(`input ${INPUT.prNumber}: must be a pull request number (got "${prRaw}")`);

  let inline: InlineFunction | undefined;
  const candidate = value(INPUT.candidate);
  if (candidate !== undefined) {
    const baseline = value(INPUT.baseline);
    if (baseline === undefined) problems.push(`input ${INPUT.baseline}: is required with ${INPUT.candidate} (a path, or a version or alias of the template such as "version: 12")`);
    const template = value(INPUT.template);
    const name = value(INPUT.function) ?? template ?? 'function';
    const baselineValue = baseline === undefined ? undefined : baseline.includes(':') ? yamlValue(baseline, INPUT.baseline, problems) : baseline;
    const memory = value(INPUT.memory);
    inline = {
      name,
      candidate,
      baseline: baselineValue,
      ...(template ? { template } : {}),
      ...(value(INPUT.runtime) ? { runtime: value(INPUT.runtime)! } : {}),
      ...(value(INPUT.handler) ? { handler: value(INPUT.handler)! } : {}),
      ...(memory ? { memory: memory.startsWith('[') ? yamlValue(memory, INPUT.memory, problems) : memory.split(/[\s,]+/).filter(Boolean).map(Number) } : {}),
      ...(value(INPUT.budgets) ? { budgets: yamlValue(value(INPUT.budgets)!, INPUT.budgets, problems) } : {}),
      ...(value(INPUT.exemplars) ? { exemplars: yamlValue(value(INPUT.exemplars)!, INPUT.exemplars, problems) } : {}),
    };
  }
  const inputs: ActionInputs = {
    mode: oneOf(INPUT.mode, ['measure', 'comment'] as const, 'measure'),
    config: value(INPUT.config) ?? 'lambda-perf.yml',
    ...(inline ? { inline } : {}),
    githubToken: value(INPUT.githubToken) ?? '',
    ...(value(INPUT.awsRegion) ? { region: value(INPUT.awsRegion)! } : {}),
    ...(value(INPUT.endpoint) ? { endpoint: value(INPUT.endpoint)! } : {}),
    backend: oneOf(INPUT.backend, ['aws', 'local'] as const, 'aws'),
    failOn,
    comment: oneOf(INPUT.comment, COMMENT, 'always'),
    commentKey: value(INPUT.commentKey) ?? value(INPUT.config) ?? value(INPUT.function) ?? 'lambda-perf.yml',
    applyMemory: applyRaw === 'true',
    reportPath: value(INPUT.reportPath) ?? 'lambda-perf-report.json',
    ...(prRaw && /^\d+$/.test(prRaw) ? { prNumber: Number(prRaw) } : {}),
  };
  if (inputs.backend === 'local' && inputs.endpoint) problems.push(`input ${INPUT.endpoint}: backend local starts its own endpoint; leave ${INPUT.endpoint} empty`);
  if (problems.length) throw new ConfigError('the action inputs', problems);
  return inputs;
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
        candidate: inline.candidate,
        baseline: inline.baseline,
        ...(inline.memory === undefined ? {} : { memory: inline.memory }),
        ...(inline.budgets === undefined ? {} : { budgets: inline.budgets }),
        exemplars: inline.exemplars ?? [{ name: 'empty-event', event: {} }],
      },
    ],
  };
}
