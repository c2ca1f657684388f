/**
 * CPU profiles that runtime clients post when the service profiles (`profileIntervalUs`), kept per
 * function version in the order they came. What a function posts is its own business and may be
 * anything: an invocation posts one at most (runtime-api.ts), of MAX_PROFILE_BYTES at most, and a
 * version keeps PROFILES_PER_VERSION, so one function cannot crowd out another version's; the
 * whole store has a bound besides.
 */
export const MAX_PROFILE_BYTES = 8 * 1024 * 1024;
const PROFILES_PER_VERSION = 2;
const MAX_STORE_BYTES = 512 * 1024 * 1024;

/** The variable through which a runtime client learns that it profiles, and at what interval. */
export const PROFILE_VARIABLE = 'LAMBDA_RUNTIME_LOCAL_PROFILE_US';

export interface PostedProfile {
  readonly requestId: string;
  readonly body: Buffer;
}

export class ProfileStore {
  private readonly byVersion = new Map<string, PostedProfile[]>();
  private bytes = 0;

  constructor(readonly intervalUs: number) {
    if (!(Number.isInteger(intervalUs) && intervalUs >= 100 && intervalUs <= 100_000))
      throw new RangeError(`profileIntervalUs must be a whole number from 100 to 100000, got ${intervalUs}`);
  }

  add(functionName: string, version: string, profile: PostedProfile): void {
    const key = `${functionName}:${version}`;
    const list = this.byVersion.get(key) ?? [];
    if (list.length >= PROFILES_PER_VERSION || this.bytes + profile.body.length > MAX_STORE_BYTES) {
      return;
    }
    this.bytes += profile.body.length;
    list.push(profile);
    this.byVersion.set(key, list);
  }

  /** The version's profiles in the order they came; the store lets go of them. */
  take(functionName: string, version: string): PostedProfile[] {
    const key = `${functionName}:${version}`;
    const list = this.byVersion.get(key) ?? [];
    this.byVersion.delete(key);
    for (const profile of list) this.bytes -= profile.body.length;
    return list;
  }
}
