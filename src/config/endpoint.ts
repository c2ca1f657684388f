/**
 * What is wrong with a Lambda endpoint, wherever it is given (the file, --endpoint, the action's
 * input). `localhost:9001` parses as a URL whose scheme is "localhost:", so being a URL is not enough.
 */
export function endpointProblem(endpoint: string): string | undefined {
  // A host, with a port or a path, written without its scheme: `localhost:9001`, `127.0.0.1:9001`.
  if (/^[\w.-]+(?::\d+)?(?:\/\S*)?$/.test(endpoint))
    return `needs http:// or https:// in front, such as http://${endpoint}`;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return 'must be a URL such as http://127.0.0.1:9001';
  }
  if (url.protocol === 'http:' || url.protocol === 'https:') return undefined;
  return `must start with http:// or https:// (it starts with ${url.protocol})`;
}
