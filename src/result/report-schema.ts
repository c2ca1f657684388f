import { z } from 'zod';
import { ARCHITECTURES } from '../model/architecture.js';

/**
 * The shape of a report file, for reading one back (`mode: comment` posts a report another job
 * wrote, maybe a pull request's own code): every field the renderers format has the type the
 * model gives it, so a string where a number belongs (`memoryMb: "256, 99999"`) is refused
 * instead of printed. Parts no renderer formats as a figure are checked loosely (an object).
 */

/** Any number, NaN and the infinities included: the JSON report writes them (see json.ts). */
const num = z.custom<number>((value) => typeof value === 'number', { message: 'must be a number' });
const verdict = z.enum(['pass', 'fail', 'inconclusive']);
const architecture = z.enum(ARCHITECTURES);
const loose = z.looseObject({});

const distribution = z.looseObject({ n: num, p50: num, p90: num, p99: num, mean: num });
const armStats = z.looseObject({
  warm: distribution,
  cold: distribution,
  init: distribution,
  maxMemoryUsedMb: num,
  memorySizeMb: num,
  invocations: num,
  errors: num,
  wrongAnswers: num,
  warmBilledMsMean: num,
  coldBilledMsMean: num,
  cost: loose,
});

const profileChange = z.looseObject({
  function: z.string(),
  file: z.string(),
  line: num,
  baselineMsPerCall: num,
  candidateMsPerCall: num,
  deltaMsPerCall: num,
  interval: z.tuple([num, num]),
  status: z.enum(['changed', 'new', 'gone']),
  baselineTotalMsPerCall: num,
  candidateTotalMsPerCall: num,
});

const finding = z.looseObject({
  kind: z.enum(['regression', 'budget', 'wrong-answer', 'test-failure', 'inconclusive', 'baseline-error', 'notice']),
  about: z.string(),
  message: z.string(),
});

const variant = z.looseObject({
  id: z.string(),
  memoryMb: num,
  architecture,
  name: z.string(),
  baseline: armStats,
  candidate: armStats,
  comparisons: z.array(loose),
  budgets: z.array(loose),
  costChangePercent: num.nullable(),
  stopped: z.string().optional(),
  measuredOn: architecture.optional(),
  exemplars: z
    .array(z.looseObject({ exemplar: z.string(), pairs: num, baselineP50: num, candidateP50: num, ratio: num }))
    .optional(),
});

const integrationRun = z.looseObject({
  build: z.enum(['baseline', 'candidate']),
  exitCode: num.nullable(),
  signal: z.string().nullable(),
  timedOut: z.boolean(),
  durationMs: num,
  outputTail: z.string(),
  invocations: num,
  starts: num,
  complete: z.boolean(),
  logWaitMs: num,
});

const functionResult = z.looseObject({
  name: z.string(),
  perfFunction: z.string(),
  verdict,
  findings: z.array(finding),
  recommended: z
    .looseObject({ variant: z.string(), memory: num, architecture, strategy: z.string(), why: z.string() })
    .nullable(),
  production: z.looseObject({ function: z.string(), memoryMb: num.optional() }).optional(),
  variants: z.array(variant),
  invocations: z.looseObject({ total: num, baseline: num, candidate: num, retries: num, costUsd: num }),
  cpuScaledByMemory: z.boolean(),
  tolerance: num,
  exemplars: z.array(z.looseObject({ name: z.string(), weight: num })),
  integration: z
    .looseObject({
      command: z.string(),
      variant: z.string(),
      mode: z.enum(['concurrent', 'sequential']),
      runs: z.array(integrationRun),
      baseline: armStats,
      candidate: armStats,
      comparisons: z.array(loose),
      budgets: z.array(loose),
    })
    .optional(),
  profile: z
    .union([
      z.looseObject({ notice: z.string() }),
      z.looseObject({
        backend: z.literal('local'),
        statement: z.string(),
        variant: z.string(),
        exemplars: z.array(z.looseObject({ name: z.string(), weight: num })),
        samplingIntervalUs: num,
        environmentPairs: num,
        callsPerEnvironment: num,
        changes: z.array(profileChange),
        files: z.looseObject({ baseline: z.string(), candidate: z.string() }).optional(),
      }),
    ])
    .optional(),
});

const reportSchema = z.looseObject({
  schemaVersion: num,
  tool: z.looseObject({ name: z.string(), version: z.string() }),
  startedAt: z.string(),
  finishedAt: z.string(),
  backend: z.enum(['aws', 'endpoint', 'local']),
  region: z.string(),
  endpoint: z.string().optional(),
  verdict,
  summary: z.string(),
  platform: z.looseObject({
    cpuScaledByMemory: z.boolean(),
    statement: z.string(),
    hostArchitecture: architecture.optional(),
    limitations: z.array(z.string()).optional(),
    clock: z.looseObject({ kind: z.enum(['model', 'wall']), statement: z.string() }).optional(),
  }),
  settings: z.looseObject({
    confidence: num,
    passConfidence: num,
    pairsPerEnvironment: num,
    batch: num,
    maxEnvironmentPairs: num,
    concurrency: num,
    seed: num,
    design: z.enum(['separate', 'duet']).optional(),
    strategy: z.string(),
    profile: z.enum(['on-regression', 'always', 'never']).optional(),
    invocationsPerMonth: num,
    trafficSource: z.enum(['config', 'default']).optional(),
    coldStartRate: num,
  }),
  functions: z.array(functionResult),
  github: z
    .looseObject({ eventName: z.string(), ref: z.string(), sha: z.string(), pullRequest: num.optional() })
    .optional(),
  memoryChanges: z
    .array(z.looseObject({ function: z.string(), from: num, to: num, applied: z.boolean(), note: z.string() }))
    .optional(),
  context: z
    .looseObject({
      head: z.looseObject({ sha: z.string(), ref: z.string().optional() }).optional(),
      base: z.looseObject({ sha: z.string(), ref: z.string().optional() }).optional(),
      runUrl: z.string().optional(),
    })
    .optional(),
});

/** Where a report differs from the schema, one line each (`$.functions[0].variants[0].memoryMb: ...`), at most `max`. */
export function reportSchemaProblems(report: unknown, max = 5): string[] {
  const parsed = reportSchema.safeParse(report);
  if (parsed.success) return [];
  return parsed.error.issues.slice(0, max).map((issue) => {
    const path = issue.path.reduce<string>(
      (text, key) => (typeof key === 'number' ? `${text}[${key}]` : `${text}.${String(key)}`),
      '$',
    );
    const value = issue.path.reduce<unknown>(
      (at, key) => (at !== null && typeof at === 'object' ? (at as Record<PropertyKey, unknown>)[key] : undefined),
      report,
    );
    const got = value === undefined ? 'missing' : (JSON.stringify(value)?.slice(0, 40) ?? String(value));
    const what = issue.code === 'invalid_type' ? `must be ${issue.expected}` : issue.message;
    return `${path}: ${what} (got ${got})`;
  });
}
