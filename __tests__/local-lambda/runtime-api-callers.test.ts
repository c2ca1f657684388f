import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { connect, createServer, type Socket } from 'node:net';
import { findSocket, RuntimeCallerCheck } from '../../src/local-lambda/execution/runtime-callers.js';
import type { LocalLambdaOptions } from '../../src/local-lambda/service.js';
import { deploy, invoke, startTestService, type TestService } from '../helpers/local-service.js';

/** Answers with the caller's own secret, and says where its Runtime API listens. */
const VICTIM = {
  'index.js':
    'exports.handler = async (event) => ({ mine: event.secret ?? null, api: process.env.AWS_LAMBDA_RUNTIME_API });',
};

/**
 * Another function: it asks the victim's Runtime API for the next event, and with an event in
 * hand posts a forged response for it and asks again, which ends the victim's invocation.
 */
const THIEF = {
  'index.js': `const http = require('node:http');
const call = (api, method, path, body) => new Promise((resolve) => {
  const outgoing = http.request('http://' + api + '/2018-06-01/runtime' + path, { method, agent: false }, (incoming) => {
    let text = '';
    incoming.setEncoding('utf8');
    incoming.on('data', (chunk) => (text += chunk));
    incoming.on('end', () => resolve({ status: incoming.statusCode, id: incoming.headers['lambda-runtime-aws-request-id'], body: text }));
  });
  outgoing.on('error', (error) => resolve({ error: error.code || error.message }));
  outgoing.on('socket', (socket) => socket.once('connect', () => console.log('asked for the next event')));
  outgoing.end(body);
});
exports.handler = async (event) => {
  const taken = await call(event.api, 'GET', '/invocation/next');
  if (!taken.id) return { taken };
  const forged = await call(event.api, 'POST', '/invocation/' + taken.id + '/response', JSON.stringify({ mine: 'forged' }));
  void call(event.api, 'GET', '/invocation/next');
  return { taken, forged };
};`,
};

/**
 * Asks its own Runtime API, from inside its own environment, what a web page would make a browser
 * send: a foreign Origin, a foreign Host; and, beside them, the same request as a runtime sends it.
 */
const OWN_PROBE = {
  'index.js': `const http = require('node:http');
const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(':');
const ask = (method, path, headers) => new Promise((resolve) => {
  const outgoing = http.request({ host, port, method, path: '/2018-06-01/runtime' + path, headers, agent: false }, (incoming) => {
    incoming.resume();
    incoming.on('end', () => resolve(incoming.statusCode));
  });
  outgoing.on('error', (error) => resolve(error.code || error.message));
  outgoing.end();
});
exports.handler = async () => ({
  asRuntime: await ask('POST', '/invocation/no-such-id/response', {}),
  foreignOrigin: await ask('POST', '/invocation/no-such-id/response', { origin: 'https://attacker.example' }),
  foreignHost: await ask('POST', '/invocation/no-such-id/response', { host: 'attacker.example:' + port }),
  pageGet: await ask('GET', '/invocation/next', { origin: 'https://attacker.example' }),
});`,
};

// An OS-only runtime: the package's own executable bootstrap, a shell that runs curl for each call.
const SHELL_BOOTSTRAP = `#!/bin/sh
set -eu
API="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
while true; do
  HEADERS="$(mktemp)"
  EVENT="$(curl -sS -D "$HEADERS" "$API/invocation/next")"
  ID="$(grep -i '^lambda-runtime-aws-request-id:' "$HEADERS" | tr -d '\\r' | cut -d' ' -f2)"
  curl -sS -X POST "$API/invocation/$ID/response" -d "{\\"shell\\": $EVENT}" > /dev/null
  rm -f "$HEADERS"
done
`;

interface Taken {
  readonly status?: number;
  readonly id?: string;
  readonly body?: string;
  readonly error?: string;
}

/** A GET of `invocation/next` from this (the test's) process, as any local program could send it. */
function askFromOutside(api: string): { connected: Promise<void>; outcome: Promise<Taken> } {
  let connected!: () => void;
  const connection = new Promise<void>((resolve) => (connected = resolve));
  const outcome = new Promise<Taken>((resolve) => {
    const outgoing = request(`http://${api}/2018-06-01/runtime/invocation/next`, { agent: false }, (incoming) => {
      let body = '';
      incoming.setEncoding('utf8');
      incoming.on('data', (chunk: string) => (body += chunk));
      incoming.on('end', () => {
        const id = incoming.headers['lambda-runtime-aws-request-id'];
        resolve({ status: incoming.statusCode ?? 0, body, ...(typeof id === 'string' ? { id } : {}) });
      });
    });
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      connected();
      resolve({ error: error.code ?? error.message });
    });
    outgoing.on('socket', (socket) => socket.once('connect', connected));
    outgoing.end();
  });
  return { connected: connection, outcome };
}

const REFUSED = {
  status: 403,
  body: expect.stringContaining('answers only the runtime of its own execution environment') as unknown,
};

describe.each<[string, LocalLambdaOptions]>([
  ['environments run as users of their own where the host allows it', {}],
  ["environments run as the service's own user", { isolation: false }],
])("only an environment's own runtime reaches its Runtime API (%s)", (_how, options) => {
  let t: TestService;
  let logs: CloudWatchLogsClient;
  beforeAll(async () => {
    t = await startTestService({ cpuThrottle: false, ...options });
    logs = new CloudWatchLogsClient({
      region: 'us-east-1',
      endpoint: t.service.endpoint,
      credentials: t.service.accessKey!,
    });
  });
  afterAll(async () => {
    logs.destroy();
    await t.close();
  });

  /** Resolves once the function's log holds `text`, or once `settled` has settled. */
  async function logged(name: string, text: string, settled: Promise<unknown>): Promise<void> {
    let done = false;
    void settled.finally(() => (done = true));
    while (!done) {
      const found = await logs.send(new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${name}` })).then(
        (page) => page.events?.some((event) => event.message?.includes(text)) === true,
        () => false,
      );
      if (found) return;
      await new Promise((resume) => setTimeout(resume, 20));
    }
  }

  /** A warm victim, waiting on its Runtime API for the next event; and that API's address. */
  async function waitingVictim(): Promise<{ victim: string; api: string }> {
    const victim = await deploy(t.client, VICTIM, { Timeout: 3 });
    const api = (((await invoke(t.client, victim, {})).json ?? {}) as { api?: string }).api ?? '';
    expect(api).toMatch(/^127\.0\.0\.1:\d+$/);
    return { victim, api };
  }

  test("another function that asks the victim's Runtime API for the next event is refused, and the victim's caller gets the victim's answer", async () => {
    const { victim, api } = await waitingVictim();
    const thief = await deploy(t.client, THIEF, { Timeout: 5 });
    const theft = invoke(t.client, thief, { api });
    await logged(thief, 'asked for the next event', theft);

    const answer = await invoke(t.client, victim, { secret: 'the victim’s payload' });
    const stolen = await theft;

    expect(answer.output.FunctionError).toBeUndefined();
    expect(answer.json).toEqual({ mine: 'the victim’s payload', api });
    expect(stolen.output.FunctionError).toBeUndefined();
    expect(stolen.payload).not.toContain('victim');
    expect((stolen.json as { taken: Taken }).taken).toEqual(REFUSED);
  });

  test('a plain request from a process outside the environment (this test) is refused, and takes no event', async () => {
    const { victim, api } = await waitingVictim();
    const outside = askFromOutside(api);
    await outside.connected;

    const answer = await invoke(t.client, victim, { secret: 'not for the test process' });
    const taken = await outside.outcome;

    expect(answer.json).toEqual({ mine: 'not for the test process', api });
    expect(taken).toEqual(REFUSED);
  });

  test('from inside its own environment, a foreign Origin or Host is refused as on the main port; a runtime’s own request is not', async () => {
    const probe = await deploy(t.client, OWN_PROBE, { Timeout: 3 });
    const result = await invoke(t.client, probe, {});
    expect(result.output.FunctionError).toBeUndefined();
    expect(result.json).toEqual({ asRuntime: 400, foreignOrigin: 403, foreignHost: 403, pageGet: 403 });
    // The runtime's own connection still works after the refusals.
    expect((await invoke(t.client, probe, {})).json).toEqual(result.json);
  });

  test('a provided.al2023 function whose shell bootstrap runs curl for each call still works, cold and warm', async () => {
    const name = await deploy(
      t.client,
      { bootstrap: [SHELL_BOOTSTRAP, 0o755] },
      { Runtime: 'provided.al2023', Handler: 'x' },
    );
    const cold = await invoke(t.client, name, { n: 1 });
    expect(cold.json).toEqual({ shell: { n: 1 } });
    const warm = await invoke(t.client, name, { n: 2 });
    expect(warm.json).toEqual({ shell: { n: 2 } });
    expect(warm.report.initDurationMs).toBeUndefined();
  });

  test('on this Linux host the check is on, and the service names no limitation about it', () => {
    expect(t.service.info().limitations.join(' ')).not.toContain('Runtime API');
  });
});

describe("telling a runtime from other callers by the kernel's socket tables", () => {
  // 127.0.0.2:42545 -> 127.0.0.1:52042, then 127.0.0.1:42545 -> 127.0.0.1:52042: same ports, other peer.
  const TCP = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 0200007F:A631 0100007F:CB4A 01 00000000:00000000 00:00000000 00000000 40002        0 111 1 0 20 4 30 10 -1',
    '   1: 0100007F:A631 0100007F:CB4A 01 00000000:00000000 00:00000000 00000000 40001        0 222 1 0 20 4 30 10 -1',
  ].join('\n');
  const local = { address: '127.0.0.1', port: 42545 };
  const remote = { address: '127.0.0.1', port: 52042 };

  test.each([
    ['an IPv4 socket, words little-endian', TCP, true, { uid: 40001, inode: 222 }],
    ['an IPv4 socket, words big-endian', TCP.replaceAll('0100007F', '7F000001'), false, { uid: 40001, inode: 222 }],
    [
      'an IPv6 socket connected to the IPv4 loopback (tcp6, v4-mapped)',
      TCP.replaceAll('0100007F:', '0000000000000000FFFF00000100007F:'),
      true,
      { uid: 40001, inode: 222 },
    ],
    ['no socket of that peer', TCP.replace('0100007F:A631 ', '0300007F:A631 '), true, undefined],
  ])('finds %s by both ends, address and port', (_what, table, littleEndian, found) => {
    expect(findSocket(table, local, remote, littleEndian)).toEqual(found);
  });

  test('a connection is admitted for the tree of the process that holds it, and refused for another tree, another user or no runtime', async () => {
    const check = new RuntimeCallerCheck();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    const client = connect((server.address() as { port: number }).port, '127.0.0.1');
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const socket = await accepted;
      const uid = process.getuid?.() ?? 0;
      expect(check.admits(socket, { pid: process.pid })).toBe(true);
      expect(check.admits(socket, { pid: process.pid, uid })).toBe(true);
      expect(check.admits(socket, { pid: process.pid, uid: uid + 1 })).toBe(false);
      expect(check.admits(socket, { pid: other.pid! })).toBe(false);
      expect(check.admits(socket, undefined)).toBe(false);
    } finally {
      other.kill();
      client.destroy();
      server.close();
    }
  });

  test('where the host has no /proc, every caller is let through and the service says so', () => {
    const check = new RuntimeCallerCheck('this host runs darwin, not Linux, and has no /proc');
    expect(check.status.enabled).toBe(false);
    expect(check.status.statement).toMatch(/Runtime API does NOT check which process calls it \(this host runs darwin/);
    expect(check.admits({}, undefined)).toBe(true);
  });
});
