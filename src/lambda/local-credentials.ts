/**
 * The access keys of local services started in this process with `requireAuth`, by endpoint, so
 * that every client the gate builds for that endpoint (and the integration command it runs)
 * signs with the key the service checks, not with whatever AWS credentials the runner holds.
 */
export interface LocalAccessKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

const keys = new Map<string, LocalAccessKey>();

function origin(endpoint: string): string | undefined {
  try {
    return new URL(endpoint).origin;
  } catch {
    return undefined;
  }
}

/** Remembers a service's key until the returned function is called. */
export function registerLocalAccessKey(endpoint: string, key: LocalAccessKey): () => void {
  const at = origin(endpoint);
  if (at === undefined) return () => undefined;
  keys.set(at, key);
  return () => {
    if (keys.get(at) === key) keys.delete(at);
  };
}

export function localAccessKeyFor(endpoint: string | undefined): LocalAccessKey | undefined {
  const at = endpoint === undefined ? undefined : origin(endpoint);
  return at === undefined ? undefined : keys.get(at);
}
