import { parseFunctionReference, type FunctionStore } from './functions.js';
import { decodeSegment, json, maxItems, readJson, readUpload, type Json, type RouteEntry } from '../http/messages.js';

/** The function named in a path's first group. */
export const functionName = (match: RegExpExecArray): string => decodeSegment(match[1] ?? '');

/** The function a path names, with the Qualifier its query may add. */
export const functionReference = (match: RegExpExecArray, url: URL) =>
  parseFunctionReference(functionName(match), url.searchParams.get('Qualifier') ?? undefined);

/**
 * Lambda's control plane: functions, their configuration and code, versions and aliases.
 * `codeLocation` turns the service path of a package into the URL GetFunction hands out.
 */
export function controlPlaneRoutes(store: FunctionStore, codeLocation: (path: string) => string): RouteEntry[] {
  const ref = functionReference;
  return [
    [
      'GET',
      /^\/2015-03-31\/functions\/?$/,
      async (_m, _r, url) => json(200, store.list(url.searchParams.get('Marker') ?? undefined, maxItems(url))),
    ],
    [
      'POST',
      /^\/2015-03-31\/functions\/?$/,
      // Not async: nothing holds the request body (up to 70 MB) while the package unpacks.
      (_m, request, _u, body) =>
        store.create(readUpload(request, body, ['Code'])).then((created) => json(201, created)),
    ],
    [
      'GET',
      /^\/2015-03-31\/functions\/([^/]+)\/?$/,
      async (m, _r, url) => {
        const result = store.get(ref(m, url));
        const code = result.Code as Json;
        return json(200, { ...result, Code: { ...code, Location: codeLocation(String(code.Location)) } });
      },
    ],
    [
      'DELETE',
      /^\/2015-03-31\/functions\/([^/]+)\/?$/,
      async (m, _r, url) => {
        store.deleteFunction(ref(m, url));
        return json(204, undefined);
      },
    ],
    [
      'GET',
      /^\/2015-03-31\/functions\/([^/]+)\/configuration\/?$/,
      async (m, _r, url) => json(200, store.getConfiguration(ref(m, url))),
    ],
    [
      'PUT',
      /^\/2015-03-31\/functions\/([^/]+)\/configuration\/?$/,
      async (m, request, url, body) => json(200, store.updateConfiguration(ref(m, url).name, readJson(request, body))),
    ],
    [
      'PUT',
      /^\/2015-03-31\/functions\/([^/]+)\/code\/?$/,
      (m, request, url, body) =>
        store.updateCode(ref(m, url).name, readUpload(request, body, [])).then((updated) => json(200, updated)),
    ],
    [
      'GET',
      /^\/2015-03-31\/functions\/([^/]+)\/versions\/?$/,
      async (m, _r, url) =>
        json(200, store.listVersions(ref(m, url).name, url.searchParams.get('Marker') ?? undefined, maxItems(url))),
    ],
    [
      'POST',
      /^\/2015-03-31\/functions\/([^/]+)\/versions\/?$/,
      async (m, request, url, body) => json(201, store.publish(ref(m, url).name, readJson(request, body))),
    ],
    [
      'GET',
      /^\/2015-03-31\/functions\/([^/]+)\/aliases\/?$/,
      async (m, _r, url) =>
        json(200, store.listAliases(ref(m, url).name, url.searchParams.get('Marker') ?? undefined, maxItems(url))),
    ],
    [
      'POST',
      /^\/2015-03-31\/functions\/([^/]+)\/aliases\/?$/,
      async (m, request, url, body) => json(201, store.createAlias(ref(m, url).name, readJson(request, body))),
    ],
    [
      'GET',
      /^\/2015-03-31\/functions\/([^/]+)\/aliases\/([^/]+)$/,
      async (m, _r, url) => json(200, store.getAlias(ref(m, url).name, decodeSegment(m[2] ?? ''))),
    ],
    [
      'PUT',
      /^\/2015-03-31\/functions\/([^/]+)\/aliases\/([^/]+)$/,
      async (m, request, url, body) =>
        json(200, store.updateAlias(ref(m, url).name, decodeSegment(m[2] ?? ''), readJson(request, body))),
    ],
    [
      'DELETE',
      /^\/2015-03-31\/functions\/([^/]+)\/aliases\/([^/]+)$/,
      async (m, _r, url) => {
        store.deleteAlias(ref(m, url).name, decodeSegment(m[2] ?? ''));
        return json(204, undefined);
      },
    ],
  ];
}
