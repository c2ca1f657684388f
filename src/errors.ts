/**
 * Wrong use of a command or an input, found before anything is created: bad flags, or inputs the
 * tool refuses to act on (exit 2).
 */
export class UsageError extends Error {
  override readonly name: string = 'UsageError';
}

/** One place that turns anything thrown into a message a person can read. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  // An error from another realm (a VM context, a worker) is not `instanceof Error` here.
  const message = (error as { message?: unknown } | null)?.message;
  if (typeof message === 'string') return message;
  try {
    return JSON.stringify(error);
  } catch {
    return String(error);
  }
}

/**
 * Why a text is not JSON, without quoting it: JSON.parse's own message repeats the bytes around the
 * error, and the file may be one the reader must not see (a payload path can point anywhere).
 */
export function jsonSyntaxProblem(error: unknown): string {
  const message = errorMessage(error);
  const where = /at position (\d+)(?: \(line (\d+) column (\d+)\))?/.exec(message);
  if (message.includes('Unexpected end of JSON input')) return 'is not valid JSON (it ends too early)';
  if (!where) return 'is not valid JSON';
  return where[2]
    ? `is not valid JSON (at line ${where[2]}, column ${where[3]})`
    : `is not valid JSON (at byte ${where[1]})`;
}
