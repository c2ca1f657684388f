import { readFileSync } from 'node:fs';

/**
 * The Node.js runtime client that runs inside each execution environment (node-client.cjs,
 * beside this file; the bundles carry it beside their index.js); the service writes it to a file at
 * start. It speaks the Runtime API the way AWS's own Node.js runtime does: handler `file.export`,
 * CommonJS or ESM, async or callback, console lines prefixed with time, request id and level.
 */
export const NODE_BOOTSTRAP = readFileSync(new URL('./node-client.cjs', import.meta.url), 'utf8');
