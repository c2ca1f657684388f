import { DUET_WRAPPER_BYTES } from '../model/duet.js';
import { MAX_PAYLOAD_BYTES } from '../model/lambda-environment.js';
import type { FunctionSpec } from './types.js';

/**
 * What keeps a function from a fair duet (both builds in one Node.js process): a runtime that
 * cannot hold two builds apart, code that cannot be repackaged, and figures a shared environment
 * cannot give per build. The settings themselves (runtime, memory, layers, variables) are one
 * set for both builds in a configuration, so they cannot differ.
 */
export function duetProblems(fn: FunctionSpec, index: number): string[] {
  const at = `functions[${index}]`;
  const why = 'with sampling.design: duet';
  const problems: string[] = [];
  const runtimeProblem = fn.runtime ? duetRuntimeProblem(fn.runtime) : undefined;
  if (runtimeProblem) problems.push(`${at}.runtime: ${runtimeProblem}`);
  if (fn.handler && (fn.handler.includes('..') || fn.handler.startsWith('/')))
    problems.push(
      `${at}.handler: ${JSON.stringify(fn.handler)} leaves the build's directory, which a duet cannot keep (each build sits in a directory of its own)`,
    );
  for (const build of ['baseline', 'candidate'] as const) {
    const code = fn[build];
    if (code.kind === 'image')
      problems.push(
        `${at}.${build}: a container image (${code.uri}) cannot share a package ${why}; use sampling.design: separate`,
      );
    if (code.kind === 's3')
      problems.push(
        `${at}.${build}: code in S3 (s3://${code.bucket}/${code.key}) cannot be repackaged ${why}; give a directory or a zip, or use sampling.design: separate`,
      );
  }
  for (const key of ['cold-p50-ms', 'cold-p90-ms', 'max-memory-used-pct'] as const)
    if (fn.budgets[key] !== undefined)
      problems.push(
        `${at}.budgets.${key}: ${key.startsWith('cold') ? 'cold starts are not measured' : 'Max Memory Used is both builds together'} ${why}; drop the budget or use sampling.design: separate`,
      );
  if (fn.managedInstances)
    problems.push(
      `${at}.managed-instances: an instance runs several invocations at once, so the two builds' calls would overlap in one process ${why}; use sampling.design: separate`,
    );
  fn.exemplars.forEach((exemplar, i) => {
    const wrapped = exemplar.payload.length + DUET_WRAPPER_BYTES;
    if (wrapped > MAX_PAYLOAD_BYTES)
      problems.push(
        `${at}.exemplars[${i}]: the event is ${exemplar.payload.length} bytes, and ${wrapped} with the duet's wrapper; Lambda accepts at most ${MAX_PAYLOAD_BYTES} ${why}`,
      );
  });
  fn.variants.forEach((variant, i) => {
    if (variant.snapStart)
      problems.push(
        `${at}.variants[${i}].snap-start: a SnapStart restore would be both builds' ${why}; use sampling.design: separate`,
      );
  });
  return problems;
}

/** Why a runtime cannot run a duet, or undefined for Node.js. */
export function duetRuntimeProblem(runtime: string): string | undefined {
  if (runtime.startsWith('nodejs')) return undefined;
  if (runtime.startsWith('python'))
    return `${runtime} cannot run a duet: a Python process has one module table (sys.modules), so two builds' modules of one name (handler, utils) would be one module; use sampling.design: separate`;
  return `${runtime} cannot run a duet: only Node.js runtimes can load two builds apart in one process; use sampling.design: separate`;
}
