/**
 * CPU profiles that runtime clients post when the service profiles (`profileIntervalUs`): one per
 * invocation, kept per function version in the order they came. What a function posts is its own
 * business and may be anything: each profile is bounded in size, and so is the whole store, so a
 * function can fill neither the host's memory nor another version's list.
 */
export const MAX_PROFILE_BYTES = 16 * 1024 * 1024;
const MAX_STORE_BYTES = 256 * 1024 * 1024;

/** The variable through which a runtime client learns that it profiles, and at what interval. */
export const PROFILE_VARIABLE = 'LAMBDA_RUNTIME_LOCAL_PROFILE_US';

export interface PostedProfile {
  readonly requestId: string;
  readonly body: Buffer;
}

export class ProfileStore {
  private readonly byVersion = new Map<string, PostedProfile[]>();
  private bytes = 0;
  /** Profiles refused because the store was full. */
  dropped = 0;

  constructor(readonly intervalUs: number) {
    if (!(Number.isInteger(intervalUs) && intervalUs >= 100 && intervalUs <= 100_000))
      throw new RangeError(`profileIntervalUs must be a whole number from 100 to 100000, got ${intervalUs}`);
  }

  add(functionName: string, version: string, profile: PostedProfile): void {
    if (this.bytes + profile.body.length > MAX_STORE_BYTES) {
      this.dropped++;
      return;
    }
    this.bytes += profile.body.length;
    const key = `${functionName}:${version}`;
    const list = this.byVersion.get(key) ?? [];
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
