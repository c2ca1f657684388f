import { posix } from 'node:path';
import { zipSync, type Zippable } from 'fflate';
import type { Build } from '../model/sample.js';
import { DUET_FIELD } from '../model/duet.js';

export { duetPayload } from '../model/duet.js';
import { UsageError } from '../errors.js';
import { entryOptions } from './zip-directory.js';
import {
  CorruptZip,
  MAX_UNZIPPED_BYTES,
  MAX_ZIP_UPLOAD_BYTES,
  readCentralDirectory,
  readEntry,
} from '../zip-archive.js';

/**
 * The duet design's package: both builds of one function side by side (`baseline/`, `candidate/`)
 * and a dispatcher that hands each invocation to one of them. One execution environment then
 * runs both builds, so its lasting speed (its host, its CPU, its neighbours) is the same for
 * both, and comparing them call by call within it leaves that difference out.
 */

/** The dispatcher's file at the package's root, and the handler setting that names it. */
export const DUET_FILE = 'lambda-perf-gate-duet.mjs';
export const DUET_HANDLER = 'lambda-perf-gate-duet.handler';

const DIRECTORY = 0o040000;
const SYMLINK = 0o120000;
const FILE_TYPE = 0o170000;

/**
 * The package of both builds. Each build's entries move under its own directory with their
 * Unix modes; an entry that would land outside it (`..`, an absolute name) is refused, and so are
 * packages that together pass Lambda's limits (250 MB unzipped, 50 MB uploaded).
 */
export function duetPackage(zips: Readonly<Record<Build, Uint8Array>>, handler: string, where: string): Buffer {
  // Lambda's Node.js runtime refuses a handler with `..`; here it could also name the other build.
  if (handler.includes('..') || handler.startsWith('/'))
    throw new UsageError(
      `${where}: the handler ${JSON.stringify(handler)} leaves its build's directory, which a duet cannot keep (each build sits in a directory of its own)`,
    );
  const entries: Zippable = {};
  let unzipped = 0;
  for (const build of ['baseline', 'candidate'] as const) {
    let directory;
    try {
      directory = readCentralDirectory(zips[build]);
    } catch (error) {
      if (!(error instanceof CorruptZip)) throw error;
      throw new UsageError(`${where}: the ${build}'s package is not a zip Lambda could read (${error.message})`);
    }
    for (const entry of directory) {
      if (entry.name.endsWith('/') || (entry.mode & FILE_TYPE) === DIRECTORY) continue;
      const name = posix.normalize(entry.name.replace(/\\/g, '/'));
      if (name.startsWith('/') || name === '..' || name.startsWith('../'))
        throw new UsageError(
          `${where}: the ${build}'s package has an entry outside its root (${JSON.stringify(entry.name)})`,
        );
      unzipped += entry.size;
      if (unzipped > MAX_UNZIPPED_BYTES)
        throw new UsageError(
          `${where}: both builds together unzip to more than Lambda's ${MAX_UNZIPPED_BYTES / 1024 / 1024} MB, so they cannot share one duet package; use sampling.design: separate`,
        );
      let data;
      try {
        data = readEntry(zips[build], entry, MAX_UNZIPPED_BYTES)!;
        if (data.length !== entry.size)
          throw new CorruptZip(`${entry.name} inflated to ${data.length} bytes, not the ${entry.size} it declared`);
      } catch (error) {
        if (!(error instanceof CorruptZip)) throw error;
        throw new UsageError(`${where}: the ${build}'s package is not a zip Lambda could read (${error.message})`);
      }
      // A link keeps its target: one that is absolute or leaves the build would now reach the
      // package's root or the other build, not what it reached in a package of its own.
      if ((entry.mode & FILE_TYPE) === SYMLINK) {
        const target = posix.normalize(posix.join(posix.dirname(name), data.toString('utf8')));
        if (data.toString('utf8').startsWith('/') || target === '..' || target.startsWith('../'))
          throw new UsageError(
            `${where}: the ${build}'s package has a link that leaves it (${JSON.stringify(entry.name)} -> ${JSON.stringify(data.toString('utf8'))}), which a duet cannot keep; use sampling.design: separate`,
          );
      }
      const mode = entry.mode || 0o100644;
      entries[`${build}/${name}`] = [data, entryOptions(mode)];
    }
  }
  entries[DUET_FILE] = [Buffer.from(dispatcherSource(handler)), entryOptions(0o100644)];
  const zip = Buffer.from(zipSync(entries));
  if (zip.length > MAX_ZIP_UPLOAD_BYTES)
    throw new UsageError(
      `${where}: both builds together zip to ${(zip.length / 1024 / 1024).toFixed(1)} MB, over the ${MAX_ZIP_UPLOAD_BYTES / 1024 / 1024} MB Lambda takes uploaded; use sampling.design: separate`,
    );
  return zip;
}

/**
 * The dispatcher, an ES module so that INIT (its top-level await) loads both builds before the
 * first invocation, each as its own module instance: they sit in different directories, so
 * CommonJS's cache and the ESM loader, both keyed by path, keep a `utils` or `handler` of one
 * apart from the other's. The two load in a random order per environment. A build that cannot be
 * loaded fails only its own calls, with the error the runtime would have given. Before each
 * build's load and call, LAMBDA_TASK_ROOT, the working directory and LAMBDA_PERF_GATE_BUILD are
 * that build's, as they would be in an environment of its own.
 */
function dispatcherSource(handler: string): string {
  return DISPATCHER.replace(HANDLER_SLOT, () => JSON.stringify(handler));
}

/** Where the dispatcher's source takes the handler's name, as a JSON string. */
const HANDLER_SLOT = '"<handler>"';

/** The dispatcher's source (see `dispatcherSource`), with the handler's name still to fill in. */
const DISPATCHER = String.raw`// lambda-perf-gate's duet dispatcher: both builds in one execution environment.
import { existsSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HANDLER = ${HANDLER_SLOT};
const FIELD = ${JSON.stringify(DUET_FIELD)};
const ROOT = fileURLToPath(new URL('.', import.meta.url));
const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
const major = Number((/nodejs(\d+)/.exec(process.env.AWS_EXECUTION_ENV || '') || [])[1]);
// Taken before either build loads: a build that replaces them cannot reach the other's calls
// through the dispatcher. (The two share one process, so the duet trusts them not to try.)
const env = process.env;
const chdir = process.chdir.bind(process);

function typedError(type, message, cause) {
  const error = new Error(message);
  error.name = type;
  if (cause && cause.stack) error.stack = type + ': ' + message + '\n' + cause.stack;
  return error;
}

// Each build's variables and working directory, as in an environment of its own (_HANDLER names
// the build's handler, not the dispatcher).
function enter(build) {
  const root = join(ROOT, build);
  // The variables go to the object a build may have put in process.env's place too.
  for (const target of new Set([env, process.env])) {
    target.LAMBDA_TASK_ROOT = root;
    target.LAMBDA_PERF_GATE_BUILD = build;
    target._HANDLER = HANDLER;
  }
  chdir(root);
}

/**
 * The module's file in the order Node.js's runtime looks: the name as it is, with .js, .mjs or
 * .cjs, else require's resolution of its last part from the build's root and the module's
 * directory. It must lie in the build, links resolved: a handler never reaches the other build.
 */
function moduleFile(build, moduleName) {
  const root = join(ROOT, build);
  const base = join(root, moduleName);
  let file = ['', '.js', '.mjs', '.cjs'].map((ext) => base + ext).find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
  if (!file) {
    try {
      file = createRequire(join(root, 'index.js')).resolve(basename(moduleName), { paths: [root, dirname(base)] });
    } catch {
      return undefined;
    }
  }
  const real = realpathSync(file);
  return real.startsWith(realpathSync(root) + '/') ? file : undefined;
}

async function load(build) {
  const slash = HANDLER.lastIndexOf('/');
  const match = /^([^.]*)\.(.*)$/.exec(HANDLER.slice(slash + 1));
  if (!match || !match[1] || !match[2]) throw typedError('Runtime.MalformedHandlerName', "Bad handler '" + HANDLER + "'");
  const moduleName = HANDLER.slice(0, slash + 1) + match[1];
  if (HANDLER.includes('..')) throw typedError('Runtime.MalformedHandlerName', "'" + HANDLER + "' is not a valid handler name. Use absolute paths when specifying root directories in handler names.");
  const file = moduleFile(build, moduleName);
  if (!file) throw typedError('Runtime.ImportModuleError', "Error: Cannot find module '" + moduleName + "'");
  enter(build);
  let namespace;
  try {
    if (file.endsWith('.mjs')) namespace = await import(pathToFileURL(file).href);
    else {
      try {
        namespace = createRequire(file)(file);
      } catch (error) {
        // An ES module under "type": "module": require() refuses it, or (Node.js 20.19 and later,
        // which require ES modules) refuses one with top-level await.
        if (!error || (error.code !== 'ERR_REQUIRE_ESM' && error.code !== 'ERR_REQUIRE_ASYNC_MODULE')) throw error;
        namespace = await import(pathToFileURL(file).href);
      }
    }
  } catch (error) {
    if (error instanceof SyntaxError) throw typedError('Runtime.UserCodeSyntaxError', String(error), error);
    if (error && (error.code === 'ERR_MODULE_NOT_FOUND' || error.code === 'MODULE_NOT_FOUND'))
      throw typedError('Runtime.ImportModuleError', String(error), error);
    throw error;
  }
  const lookup = (root) => match[2].split('.').reduce((value, key) => (value == null ? undefined : value[key]), root);
  let fn = lookup(namespace);
  if (fn === undefined && namespace.default) fn = lookup(namespace.default);
  if (typeof fn !== 'function') throw typedError('Runtime.HandlerNotFound', HANDLER + ' is undefined or not exported');
  if (fn[STREAMING]) throw typedError('Runtime.DuetUnsupported', 'a response-streaming handler cannot run in a duet; use sampling.design: separate');
  if (major >= 24 && fn.length >= 3)
    throw typedError(
      'Runtime.CallbackHandlerDeprecated',
      'ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.',
    );
  return fn;
}

const builds = Math.random() < 0.5 ? ['baseline', 'candidate'] : ['candidate', 'baseline'];
const handlers = {};
for (const build of builds) handlers[build] = await load(build).then((fn) => ({ fn }), (error) => ({ error }));

// As the runtime calls a handler: always with a callback, a returned promise or (for fewer than
// three parameters) a returned value as the answer. The answer is taken at the callback: the
// dispatcher does not wait for the event loop to empty (callbackWaitsForEmptyEventLoop).
function call(fn, event, context) {
  return new Promise((resolve, reject) => {
    let answered = false;
    const callback = (error, result) => {
      if (answered) return;
      answered = true;
      if (error !== undefined && error !== null) reject(error);
      else resolve(result);
    };
    const returned = fn(event, context, callback);
    if (returned && typeof returned.then === 'function') returned.then(resolve, reject);
    else if (fn.length < 3) resolve(returned);
  });
}

export const handler = async (invocation, context) => {
  const build = invocation && typeof invocation === 'object' ? invocation[FIELD] : undefined;
  const loaded = build === 'baseline' || build === 'candidate' ? handlers[build] : undefined;
  if (!loaded) throw typedError('Runtime.DuetUnsupported', 'this duet function takes {"' + FIELD + '": "baseline" | "candidate", "event": ...}');
  if (loaded.error) throw loaded.error;
  enter(build);
  return call(loaded.fn, invocation.event, context);
};
`;
