/**
 * The end of an exhaustive switch over a closed set: it compiles only when every member has its
 * case, so adding a member makes the type checker point at each switch that forgot it. Reached at
 * run time only through a value from outside the type system, which is a bug.
 */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}
