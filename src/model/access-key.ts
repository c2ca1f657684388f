/**
 * An access key pair, as the local service makes one in `requireAuth` mode and checks every
 * signature against. Whoever starts the service hands it on, with the endpoint, to every client
 * built for that endpoint (and to the integration command the gate runs), so that they sign with
 * the key the service checks, not with whatever AWS credentials the runner holds.
 */
export interface AccessKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}
