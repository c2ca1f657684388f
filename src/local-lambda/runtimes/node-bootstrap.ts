/**
 * The Node.js runtime client that runs inside each execution environment. It is kept as source
 * text so that it travels inside the bundled CLI and action; the service writes it to a file at
 * start. It speaks the Runtime API the way AWS's own Node.js runtime does: handler `file.export`,
 * CommonJS or ESM, async or callback, console lines prefixed with time, request id and level.
 */
export const NODE_BOOTSTRAP = String.raw`'use strict';
const http = require('node:http');
const { format } = require('node:util');
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

const [apiHost, apiPort] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

// The service keeps fd 3 open while it lives: end-of-file there (or a broken output pipe) means
// it is gone, and a runtime without its service exits rather than spin on EPIPE.
const serviceGone = () => process.exit(1);
try {
  const lifeline = new (require('node:net').Socket)({ fd: 3, readable: true, writable: false });
  lifeline.on('data', () => undefined).on('end', serviceGone).on('error', serviceGone);
  lifeline.unref();
} catch {
  // Started without a lifeline (by hand, say): nothing to watch.
}
process.stdout.on('error', serviceGone);
process.stderr.on('error', serviceGone);
let currentRequestId;

function call(method, path, body, headers) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(body);
    const req = http.request(
      {
        host: apiHost,
        port: apiPort,
        method,
        path: '/2018-06-01/runtime' + path,
        agent,
        headers: { ...headers, 'content-length': payload ? payload.length : 0 },
      },
      (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

function patchConsole() {
  const levels = { log: 'INFO', info: 'INFO', warn: 'WARN', error: 'ERROR', debug: 'DEBUG', trace: 'TRACE' };
  for (const [method, level] of Object.entries(levels)) {
    console[method] = (...args) => {
      const message = format(...args).replace(/\n/g, '\r');
      process.stdout.write(new Date().toISOString() + '\t' + currentRequestId + '\t' + level + '\t' + message + '\n');
    };
  }
}

function errorPayload(error) {
  if (error instanceof Error) {
    return {
      errorType: error.name || 'Error',
      errorMessage: error.message,
      trace: String(error.stack || '').split('\n'),
    };
  }
  return { errorType: typeof error, errorMessage: String(error), trace: [] };
}

function typedError(type, message, cause) {
  const error = new Error(message);
  error.name = type;
  if (cause && cause.stack) error.stack = type + ': ' + message + '\n' + cause.stack;
  return error;
}

async function loadHandler() {
  const handlerString = process.env._HANDLER || '';
  const slash = handlerString.lastIndexOf('/');
  const match = /^([^.]*)\.(.*)$/.exec(handlerString.slice(slash + 1));
  if (!match || !match[1] || !match[2]) {
    throw typedError('Runtime.MalformedHandlerName', "Bad handler '" + handlerString + "'");
  }
  const moduleName = handlerString.slice(0, slash + 1) + match[1];
  const base = join(process.env.LAMBDA_TASK_ROOT, moduleName);
  const file = ['.js', '.mjs', '.cjs'].map((ext) => base + ext).find((candidate) => existsSync(candidate));
  if (!file) {
    throw typedError('Runtime.ImportModuleError', "Error: Cannot find module '" + moduleName + "'");
  }
  let namespace;
  try {
    // require() is several milliseconds cheaper than the ESM loader, so CommonJS goes that way;
    // ES modules (.mjs, or .js under "type": "module") go through import().
    if (file.endsWith('.mjs')) namespace = await import(pathToFileURL(file).href);
    else {
      try {
        namespace = require(file);
      } catch (error) {
        if (!error || error.code !== 'ERR_REQUIRE_ESM') throw error;
        namespace = await import(pathToFileURL(file).href);
      }
    }
  } catch (error) {
    if (error instanceof SyntaxError) throw typedError('Runtime.UserCodeSyntaxError', String(error), error);
    if (error && (error.code === 'ERR_MODULE_NOT_FOUND' || error.code === 'MODULE_NOT_FOUND')) {
      throw typedError('Runtime.ImportModuleError', String(error), error);
    }
    throw error;
  }
  const lookup = (root) => match[2].split('.').reduce((value, key) => (value == null ? undefined : value[key]), root);
  let handler = lookup(namespace);
  if (handler === undefined && namespace.default) handler = lookup(namespace.default);
  if (typeof handler !== 'function') {
    throw typedError('Runtime.HandlerNotFound', handlerString + ' is undefined or not exported');
  }
  return handler;
}

function runHandler(handler, event, context) {
  return new Promise((resolve, reject) => {
    const callback = (error, result) => (error ? reject(error) : resolve(result));
    context.done = callback;
    context.succeed = (result) => resolve(result);
    context.fail = (error) => reject(error);
    const returned = handler(event, context, callback);
    if (returned && typeof returned.then === 'function') returned.then(resolve, reject);
    else if (handler.length < 3) resolve(returned);
  });
}

// Tells the service that everything written before it has been written, so it can close the
// invocation's log without racing the pipe.
function flushed(requestId) {
  process.stdout.write('\x1eLPG-FLUSHED ' + requestId + '\n');
}

async function postError(path, error) {
  const payload = errorPayload(error);
  if (currentRequestId) {
    console.error('Invoke Error', JSON.stringify(payload));
    flushed(currentRequestId);
  }
  await call('POST', path, JSON.stringify(payload), {
    'content-type': 'application/json',
    'lambda-runtime-function-error-type': payload.errorType,
  });
}

async function fatal(type, reason, code) {
  const error = reason instanceof Error ? reason : typedError(type, String(reason));
  if (reason instanceof Error) error.name = type;
  try {
    if (currentRequestId) await postError('/invocation/' + currentRequestId + '/error', error);
    else await postError('/init/error', error);
  } finally {
    process.exit(code);
  }
}

async function main() {
  patchConsole();
  process.on('unhandledRejection', (reason) => fatal('Runtime.UnhandledPromiseRejection', reason, 128));
  process.on('uncaughtException', (error) => fatal(error && error.name ? error.name : 'Error', error, 129));
  let handler;
  try {
    handler = await loadHandler();
  } catch (error) {
    await postError('/init/error', error);
    process.exit(1);
  }
  const env = process.env;
  for (;;) {
    const next = await call('GET', '/invocation/next');
    const requestId = next.headers['lambda-runtime-aws-request-id'];
    const deadline = Number(next.headers['lambda-runtime-deadline-ms']);
    currentRequestId = requestId;
    const clientContext = next.headers['lambda-runtime-client-context'];
    const context = {
      awsRequestId: requestId,
      functionName: env.AWS_LAMBDA_FUNCTION_NAME,
      functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
      invokedFunctionArn: next.headers['lambda-runtime-invoked-function-arn'],
      memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
      clientContext: clientContext ? JSON.parse(Buffer.from(clientContext, 'latin1').toString('utf8')) : undefined,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
    let event;
    try {
      event = JSON.parse(next.body);
    } catch {
      event = next.body;
    }
    try {
      const result = await runHandler(handler, event, context);
      const body = JSON.stringify(result === undefined ? null : result);
      flushed(requestId);
      await call('POST', '/invocation/' + requestId + '/response', body, { 'content-type': 'application/json' });
    } catch (error) {
      await postError('/invocation/' + requestId + '/error', error);
    }
  }
}

main();
`;
