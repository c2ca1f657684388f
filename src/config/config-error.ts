import { UsageError } from '../errors.js';

/**
 * Everything wrong with a configuration, each problem naming the file, the key path and the value.
 * A usage error (exit 2) like any other refused input.
 */
export class ConfigError extends UsageError {
  override readonly name = 'ConfigError';
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`${source} is not valid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** A value as a problem quotes it: JSON, cut short past 60 characters. */
export function shown(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
