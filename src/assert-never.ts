/**
 * The default branch of a switch over a closed set (a union of literals): the type checker
 * refuses the call once a member is added that no case handles, and at run time a value from
 * outside the set (an unchecked cast, a bad file) fails loudly instead of falling through.
 */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`Unexpected ${what}: ${JSON.stringify(value)}`);
}
