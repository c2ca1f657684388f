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
  if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return `${path} is ${shown(actual)}, expected an object`;
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
