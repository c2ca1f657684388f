// @ts-check
// The Node.js runtime client that runs inside each execution environment; the service copies it to
// a file at start. It speaks the Runtime API the way AWS's own Node.js runtime does: handler
// `file.export`, CommonJS or ESM, async or callback, console lines prefixed with time, request id
// and level.
'use strict';
const net = require('node:net');
const { Writable } = require('node:stream');
const { finished } = require('node:stream/promises');
const { format } = require('node:util');
const { existsSync, openSync, readSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

const [apiHost, apiPort] = (process.env.AWS_LAMBDA_RUNTIME_API || '').split(':');
// The service keeps fd 3 open while it lives: end-of-file there (or a broken output pipe) means
// it is gone, and a runtime without its service exits rather than spin on EPIPE.
const serviceGone = () => process.exit(1);
try {
  const lifeline = new (require('node:net').Socket)({ fd: 3, readable: true, writable: false });
  lifeline
    .on('data', () => undefined)
    .on('end', serviceGone)
    .on('error', serviceGone);
  lifeline.unref();
} catch {
  // Started without a lifeline (by hand, say): nothing to watch.
}
process.stdout.on('error', serviceGone);
process.stderr.on('error', serviceGone);
let currentRequestId;

// The service's model clock needs to know how long this thread waited for its own reasons
// (timers, I/O): wall time less the thread's CPU and run-queue time, both from the kernel, over
// the stretches between Runtime API calls (waits for the service are its own, not the
// function's). Sent with each request for the next event (header in runtime-api.ts). A stretch
// in which the thread never went to sleep (no voluntary context switch) waited for nothing: what
// its wall time has beyond CPU and run queue is time the hypervisor took the CPU away (steal),
// which the kernel counts as neither, and which Lambda would not bill.
let waitedNs = 0n;
let sleeps = 0;
/** @type {[bigint, bigint, bigint, number] | undefined} */
let stretch;
const procBuffer = Buffer.alloc(2048);
const procFiles = {};
function readProc(name) {
  // Kept open and read from the start each time: a fresh open costs ten times as much, and this
  // CPU counts against the environment's quota. Reopened when the function closed it.
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      if (procFiles[name] === undefined) procFiles[name] = openSync('/proc/thread-self/' + name, 'r');
      return procBuffer.toString('latin1', 0, readSync(procFiles[name], procBuffer, 0, procBuffer.length, 0));
    } catch {
      procFiles[name] = undefined;
    }
  }
  return undefined;
}
/** @returns {[bigint, bigint, bigint, number] | undefined} wall clock, CPU, run queue (ns), voluntary switches */
function threadTimes() {
  // getrusage brings the kernel's count of this thread's CPU time up to now; schedstat alone
  // lags by up to a scheduler tick while the thread runs.
  process.cpuUsage();
  const schedstat = readProc('schedstat');
  const switches = /^voluntary_ctxt_switches:\s*(\d+)/m.exec(readProc('status') || '');
  if (!schedstat || !switches) return undefined;
  const [cpu, delay] = schedstat.split(' ');
  try {
    return [process.hrtime.bigint(), BigInt(cpu), BigInt(delay), Number(switches[1])];
  } catch {
    return undefined;
  }
}
function ownTimeBegins() {
  stretch = threadTimes();
}
function ownTimeEnds() {
  const begun = stretch;
  stretch = undefined;
  const now = begun && threadTimes();
  if (!now || now[3] === begun[3]) return;
  const waited = now[0] - begun[0] - (now[1] - begun[1]) - (now[2] - begun[2]);
  if (waited <= 0n) return;
  waitedNs += waited;
  sleeps += now[3] - begun[3];
}
ownTimeBegins();

// The Runtime API is spoken over one kept-alive socket with a few lines of HTTP/1.1 rather than
// node:http: every invocation runs through here, and its CPU counts against the environment's
// quota (AWS's own client uses a native HTTP library for the same reason).
let socket;
let pending;
let received = Buffer.alloc(0);

function connect() {
  socket = net.connect(Number(apiPort), apiHost);
  socket.setNoDelay(true);
  socket.on('data', (chunk) => {
    received = received.length ? Buffer.concat([received, chunk]) : chunk;
    settle();
  });
  socket.on('error', (error) => fail(error));
  socket.on('close', () => {
    socket = undefined;
    fail(new Error('the Runtime API closed the connection'));
  });
}

function fail(error) {
  const waiting = pending;
  pending = undefined;
  received = Buffer.alloc(0);
  if (waiting) waiting.reject(error);
}

function settle() {
  if (!pending) return;
  const end = received.indexOf('\r\n\r\n');
  if (end < 0) return;
  const lines = received.subarray(0, end).toString('latin1').split('\r\n');
  const headers = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] || 0);
  if (received.length < end + 4 + length) return;
  const body = received.subarray(end + 4, end + 4 + length).toString('utf8');
  received = received.subarray(end + 4 + length);
  const waiting = pending;
  pending = undefined;
  socket.unref();
  ownTimeBegins();
  waiting.resolve({ status: Number(lines[0].split(' ')[1]), headers, body });
}

// Header values come from user code (an error's name): only printable ASCII goes on the wire.
const headerValue = (value) => String(value).replace(/[^\x20-\x7e]/g, '');

function call(method, path, body, headers) {
  ownTimeEnds();
  if (path === '/invocation/next') {
    headers = {
      ...headers,
      'lambda-runtime-local-waited-ns': String(waitedNs),
      'lambda-runtime-local-sleeps': String(sleeps),
    };
    waitedNs = 0n;
    sleeps = 0;
  }
  return new Promise((resolve, reject) => {
    if (!socket) connect();
    socket.ref();
    pending = { resolve, reject };
    const payload = body === undefined ? Buffer.alloc(0) : Buffer.from(body);
    let head =
      method +
      ' /2018-06-01/runtime' +
      path +
      ' HTTP/1.1\r\nhost: ' +
      apiHost +
      ':' +
      apiPort +
      '\r\ncontent-length: ' +
      payload.length +
      '\r\n';
    for (const [name, value] of Object.entries(headers || {})) head += name + ': ' + headerValue(value) + '\r\n';
    socket.write(payload.length ? Buffer.concat([Buffer.from(head + '\r\n', 'latin1'), payload]) : head + '\r\n');
  });
}

// When the service profiles (LAMBDA_RUNTIME_LOCAL_PROFILE_US), V8's sampling profiler runs at
// that interval from before the handler is loaded. An invocation whose client context says
// {"custom": {"lambda-perf-gate-profile": "start"}} marks where the profile begins, instead of
// calling the handler; one that says "stop" stops the profiler and posts the samples since the
// mark to the service. One session from the start: a session started later does not know code
// that V8 compiled before it, and gives that code's samples to its caller.
// The variable leaves process.env before the handler loads (the process's /proc environ keeps
// it), and the handler never sees these two invocations. V8 names an
// inlined function's samples after its caller, as in any V8 profile; turning inlining off would
// make the code itself slower, and unevenly from one environment to the next.
const profileUs = Number(process.env.LAMBDA_RUNTIME_LOCAL_PROFILE_US) || 0;
delete process.env.LAMBDA_RUNTIME_LOCAL_PROFILE_US;
const taskRoot = process.env.LAMBDA_TASK_ROOT;
let profiler;
let profileFrom;
let profiled = false;
const nowUs = () => Number(process.hrtime.bigint() / 1000n);
function inspectorCall(method, params) {
  return new Promise((resolve, reject) =>
    profiler.post(method, params || {}, (error, result) => (error ? reject(error) : resolve(result))),
  );
}
async function startProfiler() {
  if (!profileUs) return;
  try {
    profiler = new (require('node:inspector').Session)();
    profiler.connect();
    await inspectorCall('Profiler.enable');
    await inspectorCall('Profiler.setSamplingInterval', { interval: profileUs });
    await inspectorCall('Profiler.start');
  } catch {
    profiler = undefined;
  }
}
function profileControl(clientContext) {
  if (!profileUs || !clientContext) return undefined;
  const custom = clientContext.custom;
  const order = custom && typeof custom === 'object' ? custom['lambda-perf-gate-profile'] : undefined;
  return order === 'start' || order === 'stop' ? order : undefined;
}
/** The profile's samples from the mark on (V8 stamps them on the clock of process.hrtime). */
function samplesSince(profile, from) {
  const samples = [];
  const timeDeltas = [];
  let at = profile.startTime;
  let last = from;
  profile.samples.forEach((node, i) => {
    at += profile.timeDeltas[i];
    if (at < from) return;
    samples.push(node);
    timeDeltas.push(at - last);
    last = at;
  });
  return { ...profile, startTime: from, samples, timeDeltas };
}
async function controlProfile(order, requestId) {
  if (!profiler || profiled) return;
  if (order === 'start') {
    profileFrom = nowUs();
    return;
  }
  // One profile per environment: the profiler stops for good, and costs nothing after.
  profiled = true;
  try {
    const { profile } = await inspectorCall('Profiler.stop');
    const trimmed = samplesSince(profile, profileFrom === undefined ? profile.startTime : profileFrom);
    const body = JSON.stringify({ format: 'cpuprofile', taskRoot, intervalUs: profileUs, profile: trimmed });
    await call('POST', '/invocation/' + requestId + '/local-profile', body, { 'content-type': 'application/json' });
  } catch {
    // Not profiled: the gate says so.
  }
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

/** The `code` of a Node.js error, or undefined for anything thrown that has none. */
function errorCode(error) {
  return error && typeof error === 'object' && 'code' in error ? error.code : undefined;
}

async function loadHandler() {
  const handlerString = process.env._HANDLER || '';
  const slash = handlerString.lastIndexOf('/');
  const match = /^([^.]*)\.(.*)$/.exec(handlerString.slice(slash + 1));
  if (!match || !match[1] || !match[2]) {
    throw typedError('Runtime.MalformedHandlerName', "Bad handler '" + handlerString + "'");
  }
  const moduleName = handlerString.slice(0, slash + 1) + match[1];
  const base = join(process.env.LAMBDA_TASK_ROOT || '', moduleName);
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
        // Node.js 20.19 and later require ES modules, except one with top-level await.
        const code = errorCode(error);
        if (code !== 'ERR_REQUIRE_ESM' && code !== 'ERR_REQUIRE_ASYNC_MODULE') throw error;
        namespace = await import(pathToFileURL(file).href);
      }
    }
  } catch (error) {
    if (error instanceof SyntaxError) throw typedError('Runtime.UserCodeSyntaxError', String(error), error);
    if (errorCode(error) === 'ERR_MODULE_NOT_FOUND' || errorCode(error) === 'MODULE_NOT_FOUND') {
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
  // Node.js 24 and later take a handler of three or more parameters for a callback handler, and
  // refuse it at INIT.
  const major = Number((/nodejs(\d+)/.exec(process.env.AWS_EXECUTION_ENV || '') || [])[1]);
  if (major >= 24 && handler.length >= 3) {
    throw typedError(
      'Runtime.CallbackHandlerDeprecated',
      'ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.',
    );
  }
  return handler;
}

// Response streaming, as AWS's runtime offers it: awslambda.streamifyResponse marks a handler
// (event, responseStream, context) whose writes go to the Runtime API as a chunked response.
const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
globalThis.awslambda = {
  streamifyResponse: (handler) => {
    handler[STREAMING] = 'response';
    return handler;
  },
};

function responseStreamFor(requestId) {
  let answer;
  const open = () => {
    if (answer) return;
    if (!socket) connect();
    socket.ref();
    answer = new Promise((resolve, reject) => (pending = { resolve, reject }));
    socket.write(
      'POST /2018-06-01/runtime/invocation/' +
        requestId +
        '/response HTTP/1.1\r\nhost: ' +
        apiHost +
        ':' +
        apiPort +
        '\r\ntransfer-encoding: chunked\r\nlambda-runtime-function-response-mode: streaming\r\ncontent-type: application/octet-stream' +
        '\r\ntrailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\n\r\n',
    );
  };
  const writable = new Writable({
    write(chunk, encoding, callback) {
      open();
      if (chunk.length)
        socket.write(Buffer.concat([Buffer.from(chunk.length.toString(16) + '\r\n'), chunk, Buffer.from('\r\n')]));
      callback();
    },
    final(callback) {
      open();
      socket.write('0\r\n\r\n');
      callback();
    },
  });
  // AWS's response stream has it; content types are not modelled here.
  Object.assign(writable, { setContentType: () => undefined });
  return {
    writable,
    opened: () => answer !== undefined,
    answer: () => answer,
    // An error after the first bytes travels in the trailers, as AWS's runtime sends it.
    fail: (error) => {
      const payload = errorPayload(error);
      writable.destroy();
      socket.write(
        '0\r\nLambda-Runtime-Function-Error-Type: ' +
          headerValue(payload.errorType) +
          '\r\nLambda-Runtime-Function-Error-Body: ' +
          Buffer.from(JSON.stringify(payload)).toString('base64') +
          '\r\n\r\n',
      );
      return answer;
    },
  };
}

async function runStreamingHandler(handler, event, context, requestId) {
  const stream = responseStreamFor(requestId);
  try {
    await handler(event, stream.writable, context);
    if (!stream.writable.writableEnded) stream.writable.end();
    await finished(stream.writable);
  } catch (error) {
    if (!stream.opened()) throw error;
    await stream.fail(error);
    return;
  }
  await stream.answer();
}

// A callback handler's result waits, by default, until nothing else is left to run, as on Lambda
// (context.callbackWaitsForEmptyEventLoop); the Runtime API socket does not count while idle.
function whenEventLoopEmpty(then) {
  process.once('beforeExit', () => setImmediate(then));
}

function runHandler(handler, event, context) {
  return new Promise((resolve, reject) => {
    let answered = false;
    const callback = (error, result) => {
      if (answered) return;
      answered = true;
      if (error !== undefined && error !== null) reject(error);
      else if (context.callbackWaitsForEmptyEventLoop) whenEventLoopEmpty(() => resolve(result));
      else resolve(result);
    };
    context.done = callback;
    context.succeed = (result) => resolve(result);
    context.fail = (error) => reject(error);
    const returned = handler(event, context, callback);
    if (returned && typeof returned.then === 'function') returned.then(resolve, reject);
    else if (handler.length < 3) resolve(returned);
  });
}

// Tells the service that everything written before it has been written, so it can close the
// invocation's log without racing the pipe. Written before asking for the next event (where
// the invocation ends, work left behind included) and before a fatal exit. A pipe may take
// writes asynchronously, and the environment is frozen once it asks for the next event, so this
// resolves only when both streams have handed everything to the kernel.
function flushed(requestId) {
  const drained = (stream, text) => new Promise((resolve) => stream.write(text, () => resolve(undefined)));
  return Promise.all([drained(process.stderr, ''), drained(process.stdout, '\x1eLPG-FLUSHED ' + requestId + '\n')]);
}

async function postError(path, error, exiting) {
  const payload = errorPayload(error);
  if (currentRequestId) {
    console.error('Invoke Error', JSON.stringify(payload));
    if (exiting) await flushed(currentRequestId);
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
    if (currentRequestId) await postError('/invocation/' + currentRequestId + '/error', error, true);
    else await postError('/init/error', error, true);
  } finally {
    process.exit(code);
  }
}

async function main() {
  patchConsole();
  process.on('unhandledRejection', (reason) => fatal('Runtime.UnhandledPromiseRejection', reason, 128));
  process.on('uncaughtException', (error) => fatal(error && error.name ? error.name : 'Error', error, 129));
  await startProfiler();
  let handler;
  try {
    handler = await loadHandler();
  } catch (error) {
    await postError('/init/error', error);
    process.exit(1);
  }
  const env = process.env;
  for (;;) {
    if (currentRequestId) await flushed(currentRequestId);
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
      const order = profileControl(context.clientContext);
      if (order) {
        await controlProfile(order, requestId);
        await call('POST', '/invocation/' + requestId + '/response', 'null', { 'content-type': 'application/json' });
        continue;
      }
      if (handler[STREAMING] === 'response') {
        await runStreamingHandler(handler, event, context, requestId);
        continue;
      }
      const result = await runHandler(handler, event, context);
      const body = JSON.stringify(result === undefined ? null : result);
      await call('POST', '/invocation/' + requestId + '/response', body, { 'content-type': 'application/json' });
    } catch (error) {
      await postError('/invocation/' + requestId + '/error', error);
    }
  }
}

main();
