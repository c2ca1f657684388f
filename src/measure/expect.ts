import type { ExemplarSpec } from '../config/types.js';

/**
 * What an invocation's answer means for its exemplar. With `expect-error`, the expected error
 * type is the correct answer (no error, measured like any other call), a success is a wrong
 * answer, and another error type stays an error. Otherwise an error is an error, and a response
 * that lacks what `expect` asks for is a wrong answer.
 */
export function judgeAnswer(
  exemplar: ExemplarSpec,
  errorType: string | undefined,
  payload: Buffer,
): { errorType?: string; wrongAnswer?: string } {
  if (exemplar.expectError !== undefined) {
    if (errorType === exemplar.expectError) return {};
    return errorType
      ? { errorType }
      : { wrongAnswer: `succeeded where the error ${exemplar.expectError} was expected` };
  }
  if (errorType) return { errorType };
  if (exemplar.expect === undefined) return {};
  let response: unknown;
  try {
    response = JSON.parse(payload.toString('utf8'));
  } catch {
    response = payload.toString('utf8');
  }
  const wrongAnswer = subsetMismatch(response, exemplar.expect);
  return wrongAnswer ? { wrongAnswer } : {};
}

/**
 * Subset match: every key and value in `expected` must be found in `actual` (arrays
 * element by element). Returns where and how they differ, or undefined when they match.
 */
export function subsetMismatch(actual: unknown, expected: unknown, path = '$'): string | undefined {
  if (expected === null || typeof expected !== 'object') {
    return Object.is(actual, expected) ? undefined : `${path} is ${shown(actual)}, expected ${shown(expected)}`;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${path} is ${shown(actual)}, expected a list`;
    for (let i = 0; i < expected.length; i++) {
      const mismatch = subsetMismatch(actual[i], expected[i], `${path}[${i}]`);
      if (mismatch) return mismatch;
    }
    return undefined;
  }
  if (actual === null || typeof actual !== 'object' || Array.isArray(actual))
    return `${path} is ${shown(actual)}, expected an object`;
  for (const [key, value] of Object.entries(expected)) {
    const mismatch = subsetMismatch((actual as Record<string, unknown>)[key], value, `${path}.${key}`);
    if (mismatch) return mismatch;
  }
  return undefined;
}

function shown(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
