import { readFileSync } from 'node:fs';

/**
 * The Python runtime client, standard library only (python-client.py, beside this file, carried
 * by the bundles as the Node.js one is). Handler `module.function` (or `dir/module.function`), errors shaped as AWS's
 * Python runtime shapes them.
 */
export const PYTHON_BOOTSTRAP = readFileSync(new URL('./python-client.py', import.meta.url), 'utf8');
