import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from './config-error.js';
import type { FunctionSpec, GateConfig } from './types.js';

/**
 * The candidate's handler file in its code directory, for the runtimes whose handler names one.
 * Only the candidate's: a pull request may well be the one that fixes a broken baseline.
 */
function handlerProblem(spec: FunctionSpec, where: string): string | undefined {
  if (spec.candidate.kind !== 'directory' || !spec.runtime || !spec.handler) return undefined;
  const directory = spec.candidate.path;
  if (spec.runtime.startsWith('provided')) {
    return existsSync(join(directory, 'bootstrap'))
      ? undefined
      : `${where}.candidate: ${directory} has no executable named bootstrap, which ${spec.runtime} starts`;
  }
  const module = spec.handler.slice(0, spec.handler.lastIndexOf('.'));
  const files = spec.runtime.startsWith('nodejs')
    ? ['.js', '.mjs', '.cjs'].map((ext) => `${module}${ext}`)
    : spec.runtime.startsWith('python')
      ? [`${module.replaceAll('.', '/')}.py`]
      : [];
  if (!files.length || files.some((file) => existsSync(join(directory, file)))) return undefined;
  return `${where}.handler: "${spec.handler}" names ${files.join(' or ')}, which ${directory} does not hold`;
}

/**
 * Checks the files a configuration names, as `validate` and every run do before the first call
 * (so a missing handler file costs no deployment); throws a ConfigError naming each problem.
 */
export function checkConfigFiles(config: GateConfig, source: string): void {
  const problems = config.functions.flatMap((spec, i) => handlerProblem(spec, `functions[${i}]`) ?? []);
  if (problems.length) throw new ConfigError(source, problems);
}
