import {
  GATE_VARIABLE_NAMES,
  gateVariables,
  RESERVED_VARIABLES,
  VARIABLES_LIMIT_BYTES,
  variablesBytes,
} from '../model/lambda-environment.js';
import { variantId } from '../model/variant.js';
import { shown } from './config-error.js';
import type { FunctionSpec } from './types.js';

/** The largest memory size Lambda takes: a function without sizes of its own may run at its template's. */
const MAX_MEMORY_MB = 10240;
/** The longest label a published version gets (the others are pair-N). */
const LONGEST_LABEL = 'integration';

/**
 * What Lambda would refuse in a function's variables at CreateFunction, found before any call: a
 * reserved name, or more than 4 KB with a variant's variables and the gate's own; and a variable
 * of the gate's own, which it would overwrite without a word.
 */
export function environmentProblems(fn: FunctionSpec, where: string): string[] {
  const reserved = [
    ...reservedProblems(fn.environment, `${where}.environment`),
    ...fn.variants.flatMap((v, i) => reservedProblems(v.environment, `${where}.variants[${i}].environment`)),
  ];
  return reserved.length ? reserved : [...new Set(fn.variants.flatMap((_, i) => sizeProblem(fn, i, where) ?? []))];
}

function reservedProblems(variables: Readonly<Record<string, string>>, where: string): string[] {
  return Object.entries(variables).flatMap(([key, value]) => {
    if (GATE_VARIABLE_NAMES.has(key))
      return [
        `${where}.${key}: reserved for lambda-perf-gate, which sets it on every version it publishes, so this value would never be seen (got ${shown(value)}); use another name`,
      ];
    if (!RESERVED_VARIABLES.has(key)) return [];
    return [
      `${where}.${key}: Lambda sets ${key} itself and refuses a function that sets it (got ${shown(value)})${
        key.endsWith('_REGION') ? '; the region to measure in is the region key' : ''
      }`,
    ];
  });
}

function sizeProblem(fn: FunctionSpec, index: number, where: string): string | undefined {
  const variant = fn.variants[index]!;
  const gate = gateVariables(
    'candidate',
    variantId(Math.max(...(fn.memory ?? [MAX_MEMORY_MB])), 'x86_64', variant.name),
    LONGEST_LABEL,
  );
  const bytes = variablesBytes({ ...fn.environment, ...variant.environment, ...gate });
  if (bytes <= VARIABLES_LIMIT_BYTES) return undefined;
  const own = `${where}.environment`;
  const key = Object.keys(variant.environment).length
    ? `${where}.variants[${index}].environment: with ${own},`
    : `${own}:`;
  return `${key} ${bytes} bytes of names and values, with the gate's own ${variablesBytes(gate)}; Lambda accepts at most ${VARIABLES_LIMIT_BYTES}`;
}
