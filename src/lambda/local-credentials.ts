/**
 * The access key of a local service started with `requireAuth`. The caller that started the
 * service hands it, with the endpoint, to every client the gate builds for that endpoint (and to
 * the integration command it runs), so that they sign with the key the service checks, not with
 * whatever AWS credentials the runner holds.
 */
export interface LocalAccessKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}
