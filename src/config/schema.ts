import { Runtime } from '@aws-sdk/client-lambda';
import { z } from 'zod';
import { BUDGET_KEYS, BUDGET_METRICS, type BudgetKey, type BudgetMetric } from './budgets.js';
import { ARCHITECTURES } from '../model/architecture.js';
import { endpointProblem } from './endpoint.js';

/**
 * The configuration file's schema: the one source for validation, for the types the rest of the
 * gate reads, and for the JSON Schema editors use (`npm run schema` writes it).
 */

/** The closed sets of the configuration; their types (config/types.ts) are derived from these. */
export const STRATEGIES = ['cost', 'speed', 'balanced', 'cheapest-within-budget'] as const;
/** When the gate profiles both builds to say where the time went (src/profile/). */
export const PROFILE_MODES = ['on-regression', 'always', 'never'] as const;

/** How the two builds meet the execution environments: each its own, or both in one (a duet). */
export const SAMPLING_DESIGNS = ['separate', 'duet'] as const;

/** "5%" as 0.05. A bare number is refused: 5 was read as 500% and passed everything. */
const percent = z
  .string({
    error: (issue) =>
      typeof issue.input === 'number'
        ? `must be a percentage: write ${bareNumberAsPercent(issue.input)}`
        : 'must be a percentage such as 5%',
  })
  .regex(/^\d+(\.\d+)?%$/, { error: 'must be a percentage such as 5%' })
  .transform((value) => Number.parseFloat(value) / 100)
  .refine((fraction) => fraction <= 1, { error: 'must be at most 100%' });

/** A bare 5 most likely means 5%, a bare 0.05 the fraction 5%. */
function bareNumberAsPercent(value: number): string {
  const percentValue = value > 0 && value < 1 ? value * 100 : value;
  return `${Number(percentValue.toPrecision(6))}%`;
}

/**
 * A confidence level, as a fraction (0.99) or a percentage ("99%"), like the tolerances. A bare
 * number above 1 is refused with the two ways to write it: 99 is not read as 99%.
 */
function confidenceLevel(min: number, fallback: number) {
  const max = 0.9999;
  const range = `from ${min} to ${max} (${min * 100}% to ${max * 100}%)`;
  const written = `must be a confidence level such as ${fallback} or ${fallback * 100}%`;
  return z
    .union([z.number(), z.string()], { error: written })
    .transform((input, context) => {
      const isPercentage = typeof input === 'string' && /^\d+(\.\d+)?%$/.test(input);
      const value = typeof input === 'number' ? input : isPercentage ? Number.parseFloat(input) / 100 : Number.NaN;
      if (value >= min && value <= max) return value;
      const message = Number.isNaN(value)
        ? written
        : typeof input === 'number' && input > 1 && input <= 100
          ? `must be ${range}: write ${Number((input / 100).toPrecision(6))} or ${input}%`
          : `must be ${range}`;
      context.issues.push({ code: 'custom', input, message });
      return z.NEVER;
    })
    .default(fallback)
    .meta({
      // What an editor can check: the transform above is not representable in JSON Schema, and
      // takes the default with it.
      description: `a fraction or a percentage; default ${fallback} (${fallback * 100}%)`,
      anyOf: [
        { type: 'number', minimum: min, maximum: max },
        { type: 'string', pattern: '^\\d+(\\.\\d+)?%$' },
      ],
    });
}

/** An AWS region's name, and what a value that is not one is told (the file's key and --region alike). */
// With the GovCloud and isolated partitions' names: us-gov-west-1, us-iso-east-1, us-isob-east-1, eu-isoe-west-1.
export const AWS_REGION_PATTERN = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
export const REGION_PROBLEM = 'must be an AWS region such as us-east-1';

/**
 * Runtimes Lambda's API knows (the SDK's list), minus those it no longer lets anyone create
 * functions with; a misspelt one is refused here rather than by CreateFunction mid-run.
 */
export const RETIRED_RUNTIME =
  /^(nodejs|nodejs(4\.3.*|6\.10|8\.10|10\.x|12\.x|14\.x|16\.x)|python(2\.7|3\.[678])|dotnetcore.*|dotnet6|ruby2\..*|go1\.x|java8)$/;
export const KNOWN_RUNTIMES = Object.values(Runtime)
  .filter((id) => !RETIRED_RUNTIME.test(id))
  .sort((a, b) => a.localeCompare(b, 'en', { numeric: true })) as [string, ...string[]];

const s3Source = z
  .object({ s3: z.string().regex(/^s3:\/\/[^/]+\/.+/, { error: 'must look like s3://bucket/key.zip' }) })
  .strict();
const imageSource = z.object({ image: z.string().min(1) }).strict();
const CODE_FORMS = 'a directory or .zip path, {s3: s3://bucket/key}, or {image: uri}';

const codeSource = z.union([z.string().min(1), s3Source, imageSource], { error: `must be ${CODE_FORMS}` });
const baselineSource = z.union(
  [
    z.string().min(1),
    s3Source,
    imageSource,
    z.object({ version: z.union([z.string().regex(/^\d+$/), z.number().int().positive()]).transform(String) }).strict(),
    z.object({ alias: z.string().regex(/^[A-Za-z0-9_-]+$/) }).strict(),
  ],
  { error: `must be ${CODE_FORMS}, {version: "12"} or {alias: name} of the template function` },
);

const environment = z.record(
  z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, {
    error: 'is not a valid variable name: use letters, digits and _, starting with a letter',
  }),
  z
    .union([z.string(), z.number(), z.boolean()], { error: 'must be a string, a number or true/false' })
    .transform(String),
);

const exemplar = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: 'must be 1-64 letters, digits, ".", "_" or "-"' }),
    payload: z.string().min(1).optional().describe('a JSON file with the event, relative to this file'),
    event: z.unknown().optional().describe('the event, inline'),
    weight: z.number().int().min(1).max(1000).default(1),
    expect: z.unknown().optional().describe('the response must contain this (subset match)'),
    'expect-error': z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,128}$/, {
        error: 'must be an error type such as ValidationError or Runtime.HandlerNotFound',
      })
      .optional()
      .describe(
        'the event is meant to fail with this error type (the errorType of the response): that answer is correct and measured as usual; a success is a wrong answer, another error type an error',
      ),
  })
  .strict();

/** One optional positive limit per budget in BUDGET_METRICS. */
const budgetLimits = Object.fromEntries(
  BUDGET_KEYS.map((key) => {
    const metric: BudgetMetric = BUDGET_METRICS[key];
    const limit = z.number().positive();
    return [key, (metric.max === undefined ? limit : limit.max(metric.max)).optional().describe(metric.description)];
  }),
) as Record<BudgetKey, z.ZodOptional<z.ZodNumber>>;

const budgets = z
  .object({
    ...budgetLimits,
    'max-regression': percent
      .refine((fraction) => fraction > 0, {
        // A pass needs the interval's upper end below the tolerance.
        error:
          'must be above 0%: no interval falls below 0% even when nothing changed, so no run could pass; write the slowdown you accept, such as 5%',
      })
      .optional()
      .describe('the slowdown tolerated: a regression is estimated above it and shown above half of it; default 5%'),
  })
  .strict();

const variant = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, { error: 'must be 1-32 letters, digits, "_" or "-"' }),
    environment: environment.optional(),
    'snap-start': z.boolean().optional(),
  })
  .strict();

const integration = z
  .object({
    command: z
      .string()
      .min(1)
      .describe("run once per build, in the configuration file's directory, e.g. npm run test:integration"),
    'timeout-s': z.number().int().min(1).max(7200).default(600),
    repeat: z
      .number()
      .int()
      .min(1)
      .max(10)
      .default(2)
      .describe('runs per build; sequential runs alternate which build goes first'),
    environment: z
      .record(
        z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'is not a valid variable name: use letters, digits and _' }),
        z.string(),
      )
      .optional()
      .describe(
        'extra variables for the command; ${arn}, ${name}, ${qualifier}, ${build}, ${region} and ${endpoint} are replaced',
      ),
    'max-log-wait-s': z
      .number()
      .int()
      .min(0)
      .max(900)
      .default(120)
      .describe('how long to wait for CloudWatch Logs to deliver the REPORT lines'),
    concurrent: z
      .boolean()
      .default(true)
      .describe(
        "run both builds' commands at the same time, so host conditions hit both alike and invocations pair up; false for suites that share state and cannot run side by side",
      ),
  })
  .strict();

const memorySize = z.number().int({ error: 'must be a whole number of MB' }).min(128).max(10240);

const functionConfig = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, { error: 'must be 1-40 letters, digits, "_" or "-"' }),
    template: z.string().min(1).optional().describe('existing function whose configuration the perf function copies'),
    runtime: z
      .enum(KNOWN_RUNTIMES)
      .optional()
      .describe('the Lambda runtime identifier, e.g. nodejs22.x, python3.12 or provided.al2023'),
    handler: z.string().min(1).optional(),
    role: z
      .string()
      .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+/, { error: 'must be an IAM role ARN' })
      .optional(),
    timeout: z.number().int().min(1).max(900).optional(),
    environment: environment.optional(),
    candidate: codeSource,
    baseline: baselineSource,
    'build-output': z
      .string()
      .regex(/^(?!\/)(?!.*(^|\/)\.\.(\/|$)).+$/, {
        error: 'must be a path inside the build output, relative to it, such as validator',
      })
      .optional()
      .describe(
        "this function's directory inside the build output (the action's build-output input, or the candidate and baseline directories given here), for a build that produces several functions, e.g. validator for dist/validator",
      ),
    memory: z.array(memorySize).min(1).max(16).optional(),
    architectures: z.array(z.enum(ARCHITECTURES)).min(1).max(2).optional(),
    variants: z.array(variant).max(8).optional(),
    exemplars: z.array(exemplar).min(1).max(50),
    budgets: budgets.optional(),
    integration: integration.optional(),
    'managed-instances': z
      .object({
        'instance-type': z
          .string()
          .regex(/^[a-z0-9-]+\.[a-z0-9]+$/, { error: 'must be an EC2 instance type such as c7i.xlarge' }),
        instances: z
          .number()
          .positive()
          .max(100000)
          .default(1)
          .describe('instances the capacity provider keeps running, on average over the month'),
        'usd-per-hour': z
          .number()
          .positive()
          .optional()
          .describe("the instance type's EC2 on-demand price, where the gate's table lacks it"),
      })
      .strict()
      .optional()
      .describe(
        'the function runs on Lambda Managed Instances: priced as the EC2 instances + 15% management fee + $0.20 per million requests',
      ),
  })
  .strict();

/** Keys of the sampling section that the environment-pair design replaced, with what replaced them. */
export const REPLACED_SAMPLING_KEYS: Readonly<Record<string, string>> = {
  'warm-min': 'batch (environment pairs per look)',
  'warm-max': 'max-environment-pairs',
  cold: 'nothing: every environment pair starts with one cold start per build',
  environments: 'max-environment-pairs (every environment pair is a fresh version of each build)',
};

export const SAMPLING_DEFAULTS = {
  'pairs-per-environment': 5,
  batch: 8,
  'max-environment-pairs': 56,
  concurrency: 4,
  confidence: 0.99,
  'pass-confidence': 0.95,
  design: 'separate',
} as const;

/**
 * The duet's batch when the file sets none: its environment pairs are one environment each, whose
 * lasting speed both builds share, so each says more and smaller looks decide sooner (bench:stats,
 * one variant: a median of 110 invocations per build at batches of 4 against 132 at 8, when each
 * environment had one warm-up call; 120 at 4 with one per build).
 */
const DUET_BATCH = 4;

/**
 * The caps when the file sets none. The separate design needs more environment pairs than the
 * duet: each of its variants must show a pass on its own, so with 3 variants at 4% environment
 * offsets (bench:stats, 400 runs each) a cap of 40 passed 80% of unchanged runs and 56 passed
 * 94%, at a median of 176 and 192 invocations per build and at most 240 and 336; where the
 * environments differ by 8%, 33% and 53%. The duet, whose environments cancel, passed 96.5% at
 * 40 already.
 */
const DUET_MAX_ENVIRONMENT_PAIRS = 40;

/** A design's batch and cap when the file sets none: the configuration and bench:stats read them here. */
export const designDefaults = (
  design: (typeof SAMPLING_DESIGNS)[number] | undefined,
): { batch: number; maxEnvironmentPairs: number } =>
  design === 'duet'
    ? { batch: DUET_BATCH, maxEnvironmentPairs: DUET_MAX_ENVIRONMENT_PAIRS }
    : { batch: SAMPLING_DEFAULTS.batch, maxEnvironmentPairs: SAMPLING_DEFAULTS['max-environment-pairs'] };

const sampling = z
  .object({
    'pairs-per-environment': z
      .number()
      .int()
      .min(1)
      .max(50)
      .default(SAMPLING_DEFAULTS['pairs-per-environment'])
      .describe(
        'back-to-back warm AB/BA pairs each environment pair (a fresh version of each build) is driven by, after one cold call each',
      ),
    batch: z
      .number()
      .int()
      .min(1)
      .max(100)
      .optional()
      .describe(
        `environment pairs added per variant at each look (default ${SAMPLING_DEFAULTS.batch}; ${DUET_BATCH} with design: duet)`,
      ),
    'max-environment-pairs': z
      .number()
      .int()
      .min(1)
      .max(500)
      .optional()
      .describe(
        `environment pairs per variant at most (default ${SAMPLING_DEFAULTS['max-environment-pairs']}; ${DUET_MAX_ENVIRONMENT_PAIRS} with design: duet)`,
      ),
    concurrency: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(SAMPLING_DEFAULTS.concurrency)
      .describe('environment pairs measured at once'),
    // The false-alarm budget is 1 - confidence; the pass budget 1 - pass-confidence.
    confidence: confidenceLevel(0.8, SAMPLING_DEFAULTS.confidence),
    'pass-confidence': confidenceLevel(0.5, SAMPLING_DEFAULTS['pass-confidence']),
    seed: z.number().int().min(0).optional(),
    design: z
      .enum(SAMPLING_DESIGNS)
      .default('separate')
      .describe(
        'separate: each build gets execution environments of its own; duet: both builds in one package, one environment, called in turn (Node.js; no cold-start comparison)',
      ),
  })
  .strict();

export const configSchema = z
  .object({
    $schema: z.string().optional(),
    region: z.string().regex(AWS_REGION_PATTERN, { error: REGION_PROBLEM }).optional(),
    endpoint: z
      .url({ error: 'must be a URL such as http://127.0.0.1:9001' })
      .superRefine((endpoint, context) => {
        const problem = endpointProblem(endpoint);
        if (problem) context.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
    functions: z.array(functionConfig).min(1).max(20),
    sampling: sampling.default(SAMPLING_DEFAULTS),
    strategy: z.enum(STRATEGIES).default('cheapest-within-budget'),
    profile: z
      .enum(PROFILE_MODES)
      .default('on-regression')
      .describe(
        'when to profile both builds on the local service and name the functions that got slower: on-regression, always or never',
      ),
    integration: integration.optional().describe('for every function that has none of its own'),
    'balanced-weight': z
      .number()
      .min(0)
      .max(1)
      .default(0.5)
      .describe('weight of cost against speed for the balanced strategy'),
    traffic: z
      .object({
        'invocations-per-month': z.number().min(0).default(1_000_000),
        'cold-start-rate': z.number().min(0).max(1).default(0.01),
        'account-gb-seconds-per-month': z
          .number()
          .min(0)
          .optional()
          .describe(
            "the account's monthly GB-seconds in the region and architecture (all functions); Lambda's price tiers apply to it. Without it, the first tier's price",
          ),
      })
      .strict()
      .default({ 'invocations-per-month': 1_000_000, 'cold-start-rate': 0.01 }),
  })
  .strict();

export type RawConfig = z.output<typeof configSchema>;
export type RawFunction = RawConfig['functions'][number];
export type CodeSource = z.output<typeof codeSource>;
export type BaselineSource = z.output<typeof baselineSource>;

/** Where editors fetch the JSON Schema: the raw file on the default branch, not a GitHub page. */
export const CONFIG_SCHEMA_URL =
  'https://raw.githubusercontent.com/lambda-perf-gate/lambda-perf-gate/main/lambda-perf.schema.json';

/** The JSON Schema of the file, for editors. */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }),
    $id: CONFIG_SCHEMA_URL,
    title: 'lambda-perf-gate configuration',
  };
}
