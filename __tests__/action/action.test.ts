import {
  CreateFunctionCommand,
  GetFunctionConfigurationCommand,
  ListFunctionsCommand,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { run } from '../../src/action/main.js';
import { createLambdaClient } from '../../src/lambda/client.js';
import { startLocalLambda, type LocalLambda } from '../../src/local-lambda/service.js';
import { startGitHubStandIn, type GitHubStandIn } from '../helpers/github-stand-in.js';
import { captureWrites } from '../helpers/captured-writes.js';
import { zipOf } from '../helpers/local-service.js';

const spin = (micros: number): string =>
  `exports.handler = async (event) => { let h = 1; for (let i = 0; i < ${micros * 1000}; i++) h = Math.imul(h ^ i, 16777619); return { statusCode: 200, h }; };`;

let lambda: LocalLambda;
let github: GitHubStandIn;
let root: string;
beforeAll(async () => {
  lambda = await startLocalLambda();
  github = await startGitHubStandIn();
  root = mkdtempSync(join(tmpdir(), 'lpg-action-'));
});
afterAll(async () => {
  await lambda.stop();
  await github.close();
  rmSync(root, { recursive: true, force: true });
});

interface Workspace {
  readonly dir: string;
  readonly files: { output: string; summary: string; state: string; event: string };
}

/** The one function of a workspace's config, measured from its two builds. */
const apiFunction = (extra: Record<string, unknown> = {}) => ({
  name: 'api',
  runtime: 'nodejs20.x',
  handler: 'index.handler',
  baseline: './build/baseline',
  candidate: './build/candidate',
  memory: [1769],
  exemplars: [{ name: 'ping', event: {} }],
  ...extra,
});

let counter = 0;
/** A repository checkout with two builds and a config, as a workflow would have it. */
function workspace(baseline: string, candidate: string, config: Record<string, unknown> = {}): Workspace {
  const dir = join(root, `ws${++counter}`);
  for (const [build, code] of [
    ['baseline', baseline],
    ['candidate', candidate],
  ]) {
    mkdirSync(join(dir, 'build', build!), { recursive: true });
    writeFileSync(join(dir, 'build', build!, 'index.js'), code!);
  }
  writeFileSync(
    join(dir, 'lambda-perf.yml'),
    stringify({
      region: 'us-east-1',
      functions: [apiFunction({ exemplars: [{ name: 'ping', event: {}, expect: { statusCode: 200 } }] })],
      sampling: { 'pairs-per-environment': 3, batch: 8, 'max-environment-pairs': 16, concurrency: 1, seed: 3 },
      // Only the test that asks for it (the profile input) profiles: it costs seconds per run.
      profile: 'never',
      ...config,
    }),
  );
  const files = {
    output: join(dir, 'output.txt'),
    summary: join(dir, 'summary.md'),
    state: join(dir, 'state.txt'),
    event: join(dir, 'event.json'),
  };
  for (const file of [files.output, files.summary, files.state]) writeFileSync(file, '');
  return { dir, files };
}

const pullRequestEvent = { pull_request: { number: 7, base: { ref: 'main' } }, repository: { default_branch: 'main' } };

interface ActionRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly outputs: Record<string, string>;
}

/** Parses GitHub's file-command format: `name<<delimiter`, lines, `delimiter`. */
function fileCommands(path: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = readFileSync(path, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<]+)<<(.+)$/.exec(lines[i]!);
    if (!match) continue;
    const collected: string[] = [];
    for (i++; i < lines.length && lines[i] !== match[2]; i++) collected.push(lines[i]!);
    values[match[1]!] = collected.join('\n');
  }
  return values;
}

interface ActionEvent {
  readonly name: string;
  readonly ref: string;
  readonly payload: unknown;
}

/** The environment a runner gives the action: its inputs, the event, and the files it writes. */
function runnerEnvironment(
  ws: Workspace,
  inputs: Record<string, string>,
  event: ActionEvent,
  extraEnv: Record<string, string>,
): Record<string, string> {
  writeFileSync(ws.files.event, JSON.stringify(event.payload));
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: ws.dir,
    GITHUB_EVENT_NAME: event.name,
    GITHUB_EVENT_PATH: ws.files.event,
    GITHUB_REPOSITORY: 'acme/orders',
    GITHUB_REF: event.ref,
    GITHUB_SHA: 'abc123',
    GITHUB_API_URL: github.url,
    GITHUB_OUTPUT: ws.files.output,
    GITHUB_STEP_SUMMARY: ws.files.summary,
    GITHUB_STATE: ws.files.state,
    RUNNER_TEMP: ws.dir,
    AWS_REGION: 'us-east-1',
    'INPUT_GITHUB-TOKEN': 'test-token',
    INPUT_ENDPOINT: lambda.endpoint,
    ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
    ...extraEnv,
  };
}

/**
 * Runs the action's main (or post) script as a runner would, in a process of its own: for what
 * only a process shows (its exit code, signals, the post step).
 */
function runAction(
  ws: Workspace,
  inputs: Record<string, string>,
  event: ActionEvent,
  script = 'src/action/index.ts',
  extraEnv: Record<string, string> = {},
): { child: ReturnType<typeof spawn>; done: Promise<ActionRun> } {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: process.cwd(),
    env: runnerEnvironment(ws, inputs, event, extraEnv),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stdout += d.toString()));
  const done = new Promise<ActionRun>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, outputs: fileCommands(ws.files.output) })),
  );
  return { child, done };
}

/**
 * Runs the action's main in this process, with the environment a runner gives it (process.env is
 * that environment meanwhile) and what it writes to stdout and stderr captured: the exit code is
 * the one the step would end with (the toolkit's setFailed sets process.exitCode).
 */
async function actionHere(
  ws: Workspace,
  inputs: Record<string, string>,
  event: ActionEvent,
  extraEnv: Record<string, string> = {},
): Promise<ActionRun> {
  const env = {
    ...runnerEnvironment(ws, inputs, event, extraEnv),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const saved = { env: process.env, exitCode: process.exitCode };
  let stdout = '';
  const out = captureWrites(process.stdout, (text) => (stdout += text));
  const err = captureWrites(process.stderr, (text) => (stdout += text));
  process.env = { ...env };
  process.exitCode = undefined;
  let code: number;
  try {
    await run(process.env);
  } finally {
    code = Number(process.exitCode ?? 0);
    process.env = saved.env;
    process.exitCode = saved.exitCode;
    out.mockRestore();
    err.mockRestore();
  }
  return { code, stdout, outputs: fileCommands(ws.files.output) };
}

/**
 * A loopback HTTP server that answers every request as `answer` says: a GitHub or a Lambda service
 * whose errors quote what the request carried.
 */
async function quotingServer(
  answer: (request: IncomingMessage) => { status: number; body: unknown; headers?: Record<string, string> },
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((request, response) => {
    request.resume();
    const { status, body, headers = {} } = answer(request);
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The lines of `stdout` that hold `text`, each with the line before and after it. */
function linesAround(stdout: string, text: string): [string, string, string][] {
  const lines = stdout.split('\n');
  return lines.flatMap((line, i) => (line.includes(text) ? [[lines[i - 1] ?? '', line, lines[i + 1] ?? '']] : []));
}

async function functionsLeft(): Promise<string[]> {
  const client = createLambdaClient({ region: 'us-east-1', endpoint: lambda.endpoint });
  const listed = await client.send(new ListFunctionsCommand({}));
  client.destroy();
  return (listed.Functions ?? []).map((f) => f.FunctionName ?? '').filter((n) => n.startsWith('lpg-'));
}

describe('the GitHub Action, end to end against the local Lambda service and a GitHub stand-in', () => {
  test('on a pull request it comments once, updates that comment on the next run, and fills outputs and the job summary', async () => {
    const ws = workspace(spin(2000), spin(4000));
    const pr = { name: 'pull_request', ref: 'refs/pull/7/merge', payload: pullRequestEvent };
    const first = await runAction(ws, {}, pr).done;
    expect(first.code).toBe(1);
    expect(first.outputs.verdict).toBe('fail');
    // The file says profile: never (profiling costs some 25 s here; run.test.ts and
    // outputs.test.ts cover it), so no profile files are named.
    expect(first.outputs.profiles).toBe('{}');
    expect(first.outputs['recommended-memory']).toBe('1769');
    expect(JSON.parse(first.outputs.recommendations!)).toMatchObject({ api: { memory: 1769, architecture: 'x86_64' } });
    expect(Number(first.outputs['cost-change-percent'])).toBeGreaterThan(10);
    expect(first.outputs['report-path']).toBe(join(ws.dir, 'lambda-perf-report.json'));
    expect(JSON.parse(readFileSync(join(ws.dir, 'lambda-perf-report.json'), 'utf8'))).toMatchObject({
      schemaVersion: 5,
      verdict: 'fail',
      github: { pullRequest: 7 },
    });
    // Workflow commands escape ":" and "%" in properties and messages.
    expect(first.stdout).toMatch(/::error title=lambda-perf-gate%3A api regression::1769MB-x86_64: warm duration \+/);
    const summary = readFileSync(ws.files.summary, 'utf8');
    expect(summary).toContain('## ❌ lambda-perf-gate: fail');
    expect(github.comments).toHaveLength(1);
    const [comment] = github.comments;
    expect(first.outputs['comment-url']).toBe(comment!.html_url);
    expect(comment!.body).toContain('lambda-perf-gate key=lambda-perf.yml verdict=fail');

    writeFileSync(ws.files.output, '');
    const second = await runAction(ws, {}, pr).done;
    expect(second.code).toBe(1);
    expect(github.comments).toHaveLength(1);
    expect(github.requests.filter((r) => r.startsWith('PATCH'))).toHaveLength(1);
    expect(second.outputs['comment-url']).toBe(comment!.html_url);
    expect(await functionsLeft()).toEqual([]);
  });

  test('a token that may not comment leaves the verdict as it was and falls back to the summary', async () => {
    const ws = workspace(spin(2000), spin(4000));
    github.forbidWrites = true;
    try {
      const run = await actionHere(
        ws,
        { 'comment-key': 'forbidden' },
        {
          name: 'pull_request',
          ref: 'refs/pull/8/merge',
          payload: { ...pullRequestEvent, pull_request: { number: 8 } },
        },
      );
      expect(run.code).toBe(1);
      expect(run.outputs.verdict).toBe('fail');
      expect(run.stdout).toMatch(/::warning::Could not comment on PR #8: Resource not accessible by integration/);
      expect(readFileSync(ws.files.summary, 'utf8')).toContain('lambda-perf-gate: fail');
      expect(run.outputs['comment-url']).toBeUndefined();
    } finally {
      github.forbidWrites = false;
    }
  });

  test('after a cancellation mid-run, the post step leaves no function behind', async () => {
    // Slow invocations keep the run going long enough to be cancelled in the middle.
    const slow =
      'exports.handler = async () => { await new Promise((r) => setTimeout(r, 500)); return { statusCode: 200 }; };';
    const ws = workspace(slow, slow, { sampling: { batch: 100, 'max-environment-pairs': 500, concurrency: 1 } });
    const { child, done } = runAction(
      ws,
      { comment: 'never' },
      { name: 'pull_request', ref: 'refs/pull/9/merge', payload: pullRequestEvent },
    );
    const deadline = Date.now() + 30_000;
    let stateFile = '';
    while (Date.now() < deadline) {
      stateFile = fileCommands(ws.files.state)['state-file'] ?? '';
      if (stateFile && existsSync(stateFile) && (await functionsLeft()).length >= 2) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // One perf function per build of the one variant.
    expect(await functionsLeft()).toHaveLength(2);
    // A hard stop: no chance for the main step to clean up after itself.
    child.kill('SIGKILL');
    await done;
    expect(await functionsLeft()).toHaveLength(2);
    const post = await runAction(
      ws,
      {},
      { name: 'pull_request', ref: 'refs/pull/9/merge', payload: pullRequestEvent },
      'src/action/cleanup.ts',
      { 'STATE_state-file': stateFile },
    ).done;
    expect(post.code).toBe(0);
    expect(post.stdout).toMatch(/deleted lpg-api-[0-9a-f]{8}/);
    expect(await functionsLeft()).toEqual([]);
    expect(existsSync(stateFile)).toBe(false);
  });

  test('the post step redacts what the service says when it cannot delete a function', async () => {
    const sessionToken = 'session-0123456789abcdef';
    // A service that refuses, quoting the credentials the request was signed with.
    const service = await quotingServer((request) => ({
      status: 403,
      headers: { 'x-amzn-errortype': 'AccessDeniedException' },
      body: { Message: `not allowed for session ${String(request.headers['x-amz-security-token'])}` },
    }));
    try {
      const ws = workspace('', '');
      const stateFile = join(ws.dir, 'cleanup-state.json');
      const state = { backend: 'aws', region: 'us-east-1', endpoint: service.url, functions: ['lpg-api-0badf00d'] };
      writeFileSync(stateFile, JSON.stringify(state));
      const post = await runAction(
        ws,
        {},
        { name: 'pull_request', ref: 'refs/pull/13/merge', payload: pullRequestEvent },
        'src/action/cleanup.ts',
        {
          'STATE_state-file': stateFile,
          AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE0123',
          AWS_SECRET_ACCESS_KEY: 'secret-key-0123456789abcdef',
          AWS_SESSION_TOKEN: sessionToken,
        },
      ).done;
      expect(post.code).toBe(0);
      expect(post.stdout).toMatch(
        /^::warning::lambda-perf-gate: could not delete lpg-api-0badf00d: .*not allowed for session \*\*\*/m,
      );
      expect(post.stdout).not.toContain(sessionToken);
      // Kept for another try.
      expect(existsSync(stateFile)).toBe(true);
    } finally {
      await service.close();
    }
  });

  test("a branch name and a config's command are redacted in the log, and a command in a progress line is shown as text", async () => {
    const secret = 'branch-0123456789abcdef';
    const ws = workspace(spin(100), spin(100), {
      functions: [
        // Runs nothing: the rest is a comment to the shell, but the progress line quotes it.
        apiFunction({
          integration: { command: `true ##[stop-commands]forged ${secret}`, repeat: 1, 'max-log-wait-s': 0 },
        }),
      ],
    });
    const run = await actionHere(
      ws,
      { 'apply-memory': 'true', 'fail-on': 'none', comment: 'never' },
      { name: 'push', ref: `refs/heads/perf/${secret}`, payload: { repository: { default_branch: 'main' } } },
      { LPG_TEST_API_TOKEN: secret },
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('this run is a push event on refs/heads/perf/***, not a push to the default branch');
    expect(run.stdout).not.toContain(secret);
    expect(readFileSync(join(ws.dir, 'lambda-perf-report.json'), 'utf8')).not.toContain(secret);
    // The runner takes `##[name]` anywhere in a line for a command: each such line stands
    // between a stop-commands and its end.
    const quoted = linesAround(run.stdout, '##[stop-commands]forged');
    expect(quoted.length).toBeGreaterThanOrEqual(2);
    for (const [before, line, after] of quoted) {
      expect(line).toMatch(/^api: integration: "true ##\[stop-commands\]forged \*\*\*" against the/);
      const token = /^::stop-commands::([0-9a-f]{32})$/.exec(before)?.[1];
      expect(token).toBeDefined();
      expect(after).toBe(`::${token}::`);
    }
  });

  test('apply-memory changes the production function only on a push to the default branch', async () => {
    const client = createLambdaClient({ region: 'us-east-1', endpoint: lambda.endpoint });
    await client.send(
      new CreateFunctionCommand({
        FunctionName: 'prod-api',
        Runtime: 'nodejs20.x',
        Handler: 'index.handler',
        Role: 'arn:aws:iam::000000000000:role/prod',
        MemorySize: 512,
        Code: { ZipFile: zipOf({ 'index.js': spin(1000) }) },
      }),
    );
    await waitUntilFunctionActiveV2({ client, maxWaitTime: 10 }, { FunctionName: 'prod-api' });
    const memoryOfProd = async () =>
      (await client.send(new GetFunctionConfigurationCommand({ FunctionName: 'prod-api' }))).MemorySize;
    const ws = workspace(spin(1000), spin(1000));
    const config = {
      region: 'us-east-1',
      // One memory size, so the recommendation does not hang on the CPU model. An A/A comparison,
      // judged against a tolerance of 10%, twice the default, so that a chance run (at most 1% at
      // the default) does not fail the gate and so keep the memory from being applied.
      functions: [
        {
          name: 'api',
          template: 'prod-api',
          baseline: './build/baseline',
          candidate: './build/candidate',
          memory: [1769],
          exemplars: [{ name: 'ping', event: {} }],
          budgets: { 'max-regression': '10%' },
        },
      ],
      sampling: { 'pairs-per-environment': 3, batch: 8, 'max-environment-pairs': 16, concurrency: 1, seed: 3 },
      strategy: 'speed',
    };
    writeFileSync(join(ws.dir, 'lambda-perf.yml'), stringify(config));
    const inputs = { 'apply-memory': 'true', 'fail-on': 'none', comment: 'never' };

    const onPr = await actionHere(ws, inputs, {
      name: 'pull_request',
      ref: 'refs/pull/10/merge',
      payload: pullRequestEvent,
    });
    expect(onPr.code).toBe(0);
    expect(onPr.stdout).toMatch(
      /apply-memory is on, but this run is a pull_request event on refs\/pull\/10\/merge, not a push to the default branch/,
    );
    expect(await memoryOfProd()).toBe(512);

    const onBranch = await actionHere(ws, inputs, {
      name: 'push',
      ref: 'refs/heads/feature',
      payload: { repository: { default_branch: 'main' } },
    });
    expect(onBranch.code).toBe(0);
    expect(await memoryOfProd()).toBe(512);

    const onMain = await actionHere(ws, inputs, {
      name: 'push',
      ref: 'refs/heads/main',
      payload: { repository: { default_branch: 'main' } },
    });
    expect(onMain.code).toBe(0);
    expect(onMain.outputs['recommended-memory']).toBe('1769');
    expect(onMain.stdout).toMatch(/prod-api: memory changed from 512 MB to 1769 MB/);
    expect(await memoryOfProd()).toBe(1769);
    const report = JSON.parse(readFileSync(join(ws.dir, 'lambda-perf-report.json'), 'utf8')) as {
      memoryChanges: unknown[];
    };
    expect(report.memoryChanges).toEqual([
      expect.objectContaining({ function: 'prod-api', from: 512, to: 1769, applied: true }),
    ]);
    client.destroy();
  });

  describe('workflow_run mode: a report measured elsewhere, posted to the pull request the event names', () => {
    let ws: Workspace;
    let measuredSummary: string;
    let measuredVerdict: string | undefined;
    const workflowRun = (run: Record<string, unknown>) => ({
      name: 'workflow_run',
      ref: 'refs/heads/main',
      payload: { workflow_run: run, repository: { default_branch: 'main' } },
    });
    beforeAll(async () => {
      // A candidate that fails every call stops after one environment pair, its warm ratio unbounded.
      ws = workspace(spin(1000), 'exports.handler = async () => { throw new Error("down"); };');
      const measured = await actionHere(
        ws,
        { comment: 'never', 'fail-on': 'none' },
        {
          name: 'pull_request',
          ref: 'refs/pull/11/merge',
          payload: { ...pullRequestEvent, pull_request: { number: 11 } },
        },
      );
      expect(measured.code).toBe(0);
      measuredSummary = readFileSync(ws.files.summary, 'utf8');
      measuredVerdict = measured.outputs.verdict;
    });
    const post = async (event: { name: string; ref: string; payload: unknown }) => {
      writeFileSync(ws.files.summary, '');
      writeFileSync(ws.files.output, '');
      return actionHere(ws, { mode: 'comment', 'fail-on': 'none' }, event);
    };

    test('the report survives its own JSON: unbounded intervals stay unbounded, and summary and comment read as when measured', async () => {
      expect(readFileSync(join(ws.dir, 'lambda-perf-report.json'), 'utf8')).toContain('"ciHigh": "Infinity"');
      const posted = await post(workflowRun({ pull_requests: [{ number: 11 }], head_sha: 'abc123' }));
      expect(posted.code).toBe(0);
      expect(posted.outputs.verdict).toBe(measuredVerdict);
      const comments = github.comments.filter((c) => c.issue === 11);
      expect(comments).toHaveLength(1);
      expect(readFileSync(ws.files.summary, 'utf8')).toBe(measuredSummary);
      expect(comments[0]!.body).toBe(measuredSummary);
      expect(measuredSummary).toContain('too few warm samples to compare');
    });

    test("a report file's link to its run is posted only when it is a run of this repository", async () => {
      const file = join(ws.dir, 'lambda-perf-report.json');
      const original = readFileSync(file, 'utf8');
      try {
        for (const [runUrl, kept] of [
          ['https://evil.example/acme/orders/actions/runs/1', false],
          ['https://github.com/someone/else/actions/runs/2', false],
          ['https://github.com/acme/orders/actions/runs/3', true],
        ] as const) {
          writeFileSync(file, JSON.stringify({ ...JSON.parse(original), context: { runUrl } }));
          const posted = await post(workflowRun({ pull_requests: [{ number: 11 }], head_sha: 'abc123' }));
          expect(posted.code).toBe(0);
          const body = github.comments.find((c) => c.issue === 11)!.body;
          expect(body.includes(runUrl)).toBe(kept);
        }
      } finally {
        writeFileSync(file, original);
      }
    });

    test('a report naming another pull request than the event is refused, and nothing is posted', async () => {
      const before = github.comments.length;
      const posted = await post(workflowRun({ pull_requests: [{ number: 12 }], head_sha: 'abc123' }));
      expect(posted.code).toBe(1);
      expect(posted.stdout).toContain(
        '::error::lambda-perf-gate: refusing to comment on PR #11: this workflow_run is about PR #12.',
      );
      expect(github.comments.length).toBe(before);
    });

    test('a report file with markup where the action writes none is refused, and nothing is posted', async () => {
      const file = join(ws.dir, 'lambda-perf-report.json');
      const genuine = readFileSync(file, 'utf8');
      try {
        writeFileSync(file, genuine.replace(/"id": "1769MB-x86_64"/, '"id": "</details><img src=x onerror=alert(1)>"'));
        const before = github.requests.filter((r) => !r.startsWith('GET')).length;
        const posted = await post(workflowRun({ pull_requests: [{ number: 11 }], head_sha: 'abc123' }));
        expect(posted.code).toBe(1);
        expect(posted.stdout).toContain('is not a report this action wrote: $.functions[0].variants[0].id holds');
        expect(github.requests.filter((r) => !r.startsWith('GET')).length).toBe(before);
      } finally {
        writeFileSync(file, genuine);
      }
    });

    test("a fork's run lists no pull request: the named one must have the run's head commit", async () => {
      github.pulls.set(11, { headSha: 'f00dcafe0000', headRepo: 'mallory/orders' });
      const fork = { pull_requests: [], head_sha: 'f00dcafe0000', head_repository: { full_name: 'mallory/orders' } };
      const refused = await post(workflowRun({ ...fork, head_sha: 'beefbeef1111' }));
      expect(refused.code).toBe(1);
      expect(refused.stdout).toContain(
        'refusing to comment on PR #11: its head is f00dcafe0000 (mallory/orders), but this workflow_run was for beefbeef1111 (mallory/orders)',
      );
      const posted = await post(workflowRun(fork));
      expect(posted.code).toBe(0);
      expect(posted.stdout).toMatch(/PR comment: (created|updated|unchanged)/);
      expect(github.requests).toContain('GET /repos/acme/orders/pulls/11');
      expect(github.comments.filter((c) => c.issue === 11)).toEqual([
        expect.objectContaining({ body: measuredSummary }),
      ]);
    });

    test("what GitHub and the host say in the action's warnings is redacted: the token GitHub quotes back, a secret in the summary's path", async () => {
      const quoting = await quotingServer((request) => ({
        status: 403,
        body: { message: `${request.headers.authorization ?? 'no token'} may not read acme/orders` },
      }));
      const secret = 'summary-0123456789abcdef';
      try {
        const run = await actionHere(
          ws,
          { mode: 'comment', 'fail-on': 'none' },
          workflowRun({ pull_requests: [{ number: 11 }], head_sha: 'abc123' }),
          {
            GITHUB_API_URL: quoting.url,
            GITHUB_STEP_SUMMARY: join(ws.dir, secret, 'summary.md'),
            LPG_TEST_SUMMARY_TOKEN: secret,
          },
        );
        expect(run.code).toBe(0);
        expect(run.stdout).toMatch(/^::warning::Could not comment on PR #11: token \*\*\* may not read acme\/orders/m);
        expect(run.stdout).toMatch(/^::warning::Could not write the job summary \(.*\/\*\*\*\/summary\.md/m);
        for (const leaked of ['test-token', secret]) expect(run.stdout).not.toContain(leaked);
      } finally {
        await quoting.close();
      }
    });
  });

  test('secrets a command or a function prints never reach the report, the summary, the comment or the log; hostile markup stays text', async () => {
    const token = 'tok-0123456789abcdef';
    const leak = '</details><img src=x onerror=alert(1)> @octocat [win](https://evil.example)';
    // The candidate fails with an error type that carries markup and a secret it should not know.
    const candidate = `exports.handler = async () => { const e = new Error('no'); e.name = ${JSON.stringify(`${leak} ${token}`)}; throw e; };`;
    const ws = workspace(spin(500), candidate);
    // The test suite asks the runner to mask a value it made up, then prints it and a secret from its environment.
    // It also says whether it can see the runner's own tokens (it should not).
    const command =
      'echo "::add-mask::masked-$LAMBDA_PERF_GATE_BUILD-51c0ffee"; echo "connecting with masked-$LAMBDA_PERF_GATE_BUILD-51c0ffee and $LPG_TEST_API_TOKEN"; echo "runtime token: ${ACTIONS_RUNTIME_TOKEN:-none}"; exit 3';
    const config = {
      region: 'us-east-1',
      functions: [apiFunction({ integration: { command, 'max-log-wait-s': 5 } })],
      sampling: { 'pairs-per-environment': 3, batch: 8, 'max-environment-pairs': 16, concurrency: 1, seed: 3 },
    };
    writeFileSync(join(ws.dir, 'lambda-perf.yml'), stringify(config));
    const run = await actionHere(
      ws,
      { 'comment-key': 'secrets' },
      {
        name: 'pull_request',
        ref: 'refs/pull/14/merge',
        payload: { ...pullRequestEvent, pull_request: { number: 14 } },
      },
      { LPG_TEST_API_TOKEN: token, ACTIONS_RUNTIME_TOKEN: 'runtime-token-0123456789' },
    );
    expect(run.code).toBe(1);
    const secrets = [token, 'masked-candidate-51c0ffee', 'masked-baseline-51c0ffee'];
    const report = readFileSync(join(ws.dir, 'lambda-perf-report.json'), 'utf8');
    const summary = readFileSync(ws.files.summary, 'utf8');
    const comment = github.comments.find((c) => c.issue === 14)!.body;
    // The runner is told to mask what the command masked; nothing else in the log shows it.
    expect(run.stdout).toContain('::add-mask::masked-candidate-51c0ffee');
    const log = run.stdout
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n');
    for (const [where, text] of Object.entries({ report, summary, comment, log })) {
      for (const secret of secrets)
        expect(`${where}: ${text.includes(secret) ? secret : 'clean'}`).toBe(`${where}: clean`);
    }
    expect(JSON.parse(report).functions[0].integration.runs[0].outputTail).toContain(
      'connecting with *** and ***\nruntime token: none',
    );
    expect(log).toMatch(
      /::error title=lambda-perf-gate%3A api test-failure::integration command .* exited with 3 against the candidate; last output:%0A.*connecting with \*\*\* and \*\*\*/,
    );
    // The error type's markup is shown, not acted on.
    for (const text of [summary, comment]) {
      expect(text).toContain('&lt;/details&gt;&lt;img src=x onerror=alert(1)&gt;');
      expect(text).not.toMatch(/<img|@octocat|[^\\]\]\(https/);
      expect(text.split('<details>').length).toBe(text.split('</details>').length);
    }
  });

  describe('build: the action builds the head and the base commit itself', () => {
    const git = (dir: string, ...args: string[]): string =>
      execFileSync(
        'git',
        ['-C', dir, '-c', 'user.name=test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args],
        { encoding: 'utf8' },
      ).trim();
    const BUILD = 'mkdir -p dist && cp src/index.js dist/index.js';
    const config = (extra: Record<string, unknown> = {}) =>
      stringify({
        region: 'us-east-1',
        // No candidate and no baseline: the action builds them.
        functions: [
          {
            name: 'api',
            runtime: 'nodejs20.x',
            handler: 'index.handler',
            memory: [1769],
            exemplars: [{ name: 'ping', event: {}, expect: { statusCode: 200 } }],
            ...extra,
          },
        ],
        sampling: { 'pairs-per-environment': 3, batch: 8, 'max-environment-pairs': 16, concurrency: 1, seed: 3 },
      });

    /**
     * A checkout as actions/checkout with fetch-depth 0 leaves it: a repository with the base commit
     * and the pull request's head on top, the head checked out.
     */
    function repository(
      base: { code: string; files?: Record<string, string> },
      head: { code: string; files?: Record<string, string> },
    ) {
      const ws = workspace('', '');
      rmSync(join(ws.dir, 'build'), { recursive: true, force: true });
      execFileSync('git', ['init', '-q', '-b', 'main', ws.dir]);
      const commit = (side: { code: string; files?: Record<string, string> }, message: string): string => {
        mkdirSync(join(ws.dir, 'src'), { recursive: true });
        writeFileSync(join(ws.dir, 'src', 'index.js'), side.code);
        for (const [name, text] of Object.entries(side.files ?? {})) writeFileSync(join(ws.dir, name), text);
        git(ws.dir, 'add', 'src', ...Object.keys(side.files ?? {}));
        git(ws.dir, 'commit', '-q', '--allow-empty', '-m', message);
        return git(ws.dir, 'rev-parse', 'HEAD');
      };
      const baseSha = commit(base, 'base');
      commit(head, 'head');
      const temp = mkdtempSync(join(root, 'runner-temp-'));
      const worktrees = () =>
        git(ws.dir, 'worktree', 'list', '--porcelain')
          .split('\n')
          .filter((l) => l.startsWith('worktree ')).length;
      const leftInTemp = () => readdirSync(temp).filter((name) => name.startsWith('lambda-perf-gate-base-'));
      return { ws, baseSha, temp, worktrees, leftInTemp };
    }
    const pr = (number: number, baseSha: string, labels: string[] = []) => ({
      name: 'pull_request',
      ref: `refs/pull/${number}/merge`,
      payload: {
        pull_request: { number, base: { ref: 'main', sha: baseSha }, labels: labels.map((name) => ({ name })) },
        repository: { default_branch: 'main' },
      },
    });

    test("with the accepted-regression label, the head's regression passes with a notice; the config is the base commit's and the worktree goes", async () => {
      // The head's config would fail any build on its budget: the base commit's is the one used.
      // The head's build also copies its config over the base worktree's: the config was read
      // before any of the pull request's code ran, and is not read again.
      const tamper = `for d in $(git worktree list --porcelain | sed -n 's/^worktree //p'); do cp lambda-perf.yml "$d/lambda-perf.yml"; done`;
      const { ws, baseSha, temp, worktrees, leftInTemp } = repository(
        { code: spin(2000), files: { 'lambda-perf.yml': config(), 'tamper.sh': 'true' } },
        {
          code: spin(4000),
          files: { 'lambda-perf.yml': config({ budgets: { 'warm-p90-ms': 0.001 } }), 'tamper.sh': tamper },
        },
      );
      const run = await actionHere(
        ws,
        {
          build: `sh tamper.sh && ${BUILD} && echo "::set-output name=recommended-memory::9999"`,
          'build-output': 'dist',
          'comment-key': 'built',
        },
        pr(21, baseSha, ['perf-regression-accepted']),
        { RUNNER_TEMP: temp },
      );
      expect(run.code).toBe(0);
      expect(run.outputs.verdict).toBe('pass');
      expect(run.stdout).toContain(`Configuration: lambda-perf.yml of the base commit ${baseSha.slice(0, 12)}`);
      const report = JSON.parse(readFileSync(join(ws.dir, 'lambda-perf-report.json'), 'utf8')) as {
        functions: { verdict: string; findings: { kind: string; message: string }[] }[];
      };
      // Twice the work: warm is a regression, and the cold start may be one too (it holds the
      // same Duration); every one of them is accepted, and nothing else is found.
      const findings = report.functions[0]!.findings;
      expect(
        findings.every(
          (r) =>
            r.kind === 'notice' &&
            /^regression accepted by label "perf-regression-accepted": 1769MB-x86_64: /.test(r.message),
        ),
      ).toBe(true);
      expect(findings.map((r) => r.message)).toContainEqual(
        expect.stringMatching(
          /^regression accepted by label "perf-regression-accepted": 1769MB-x86_64: warm duration \+/,
        ),
      );
      expect(run.stdout).toMatch(
        /::notice title=lambda-perf-gate%3A api notice::regression accepted by label "perf-regression-accepted"/,
      );
      expect(github.comments.find((c) => c.issue === 21)!.body).toContain('regression accepted by label');
      // What the build printed was shown as text, never acted on as a workflow command.
      const [, stopped = ''] = /::stop-commands::([0-9a-f]{32})\n/.exec(run.stdout) ?? [];
      expect(stopped).not.toBe('');
      const lines = run.stdout.split('\n');
      const [from, to] = [lines.indexOf(`::stop-commands::${stopped}`), lines.indexOf(`::${stopped}::`)];
      const forged = lines.flatMap((line, index) => (line.startsWith('::set-output') ? [index] : []));
      // Once for the head, once for the base commit; both between the stop and its end.
      expect(forged).toHaveLength(2);
      for (const index of forged) expect(index > from && index < to).toBe(true);
      expect(worktrees()).toBe(1);
      expect(leftInTemp()).toEqual([]);
      expect(await functionsLeft()).toEqual([]);
    });

    test("a failing build fails the step with the tail of its output, escaped, and removes the worktree; a first config is the head's", async () => {
      // The pull request that adds the first config: the base commit has none.
      const { ws, baseSha, temp, worktrees, leftInTemp } = repository(
        { code: spin(100) },
        { code: spin(100), files: { 'lambda-perf.yml': config() } },
      );
      // A secret written into the command itself shows nowhere, the build's group title included.
      const secret = 'npm-0123456789abcdef';
      const run = await actionHere(
        ws,
        {
          build: `echo "compiling"; echo "::error::forged by the build"; exit 4 # ${secret}`,
          'build-output': 'dist',
        },
        pr(22, baseSha),
        { RUNNER_TEMP: temp, LPG_TEST_NPM_TOKEN: secret },
      );
      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/^::group::lambda-perf-gate: build: echo "compiling";.* # \*\*\*$/m);
      expect(run.stdout).not.toContain(secret);
      expect(run.stdout).toContain("::notice::The base commit has no lambda-perf.yml: using the pull request's.");
      expect(run.stdout).toMatch(
        /^::error::lambda-perf-gate: build: "echo .*" exited with 4 building the baseline \(in .*\); last output:%0Acompiling%0A::error::forged by the build$/m,
      );
      expect(worktrees()).toBe(1);
      expect(leftInTemp()).toEqual([]);
      expect(await functionsLeft()).toEqual([]);
    });

    test('a shallow clone, and a config without candidate or build, are refused with what to do', async () => {
      const { ws, baseSha } = repository(
        { code: spin(100), files: { 'lambda-perf.yml': config() } },
        { code: spin(100) },
      );
      // actions/checkout's default: the head commit alone.
      const shallow: Workspace = { dir: join(root, `shallow${++counter}`), files: { ...ws.files } };
      execFileSync('git', ['clone', '-q', '--depth', '1', `file://${ws.dir}`, shallow.dir]);
      const refused = await actionHere(shallow, { build: BUILD, 'build-output': 'dist' }, pr(23, baseSha));
      expect(refused.code).toBe(1);
      expect(refused.stdout).toContain(
        `the base commit ${baseSha} is not in the clone (a shallow checkout has only the head): check out with fetch-depth: 0 (actions/checkout)`,
      );
      const unbuilt = await actionHere(ws, {}, pr(23, baseSha));
      expect(unbuilt.code).toBe(1);
      expect(unbuilt.stdout).toContain(
        "functions[0].candidate: is required; or give the action's build and build-output inputs, and it builds both from the head and the base commit",
      );
      expect(unbuilt.stdout).toContain('functions[0].baseline: is required;');
    });

    /**
     * A pull request whose base build waits until the test writes `stop` (the job is stopped
     * while it runs): the repository and the running step.
     */
    function stepWithWaitingBuild(stop: string, prNumber: number) {
      const repo = repository(
        {
          code: spin(100),
          files: { 'lambda-perf.yml': config(), 'wait.sh': `while [ ! -f ${stop} ]; do sleep 0.1; done` },
        },
        { code: spin(100), files: { 'wait.sh': 'true' } },
      );
      const step = runAction(
        repo.ws,
        { build: `sh wait.sh && ${BUILD}`, 'build-output': 'dist', comment: 'never' },
        pr(prNumber, repo.baseSha),
        'src/action/index.ts',
        { RUNNER_TEMP: repo.temp },
      );
      return { ...repo, ...step };
    }

    test('after a cancellation mid-build, the post step removes the worktree', async () => {
      const stop = join(root, `stop-${counter}`);
      const { ws, baseSha, temp, worktrees, leftInTemp, child, done } = stepWithWaitingBuild(stop, 24);
      try {
        const deadline = Date.now() + 30_000;
        while (Date.now() < deadline && !(leftInTemp().length && existsSync(join(temp, leftInTemp()[0]!, 'wait.sh'))))
          await new Promise((r) => setTimeout(r, 100));
        expect(worktrees()).toBe(2);
        child.kill('SIGKILL');
        await done;
        const saved = fileCommands(ws.files.state)['base-worktree'] ?? '';
        expect(JSON.parse(saved)).toEqual({ repository: ws.dir, path: join(temp, leftInTemp()[0]!) });
        const post = await runAction(ws, {}, pr(24, baseSha), 'src/action/cleanup.ts', { 'STATE_base-worktree': saved })
          .done;
        expect(post.code).toBe(0);
        expect(post.stdout).toContain("removed the base commit's worktree");
        expect(leftInTemp()).toEqual([]);
        expect(worktrees()).toBe(1);
      } finally {
        // The killed step's build shell is still waiting: let it end.
        writeFileSync(stop, '');
      }
    });

    test('on SIGTERM mid-build, the step stops the build and removes the worktree itself', async () => {
      const stop = join(root, `stop-term-${counter}`);
      const { worktrees, leftInTemp, child, done } = stepWithWaitingBuild(stop, 26);
      try {
        const deadline = Date.now() + 30_000;
        let output = '';
        child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
        // The base's build is running once the step says so.
        while (Date.now() < deadline && !output.includes('Building the baseline'))
          await new Promise((r) => setTimeout(r, 100));
        expect(worktrees()).toBe(2);
        child.kill('SIGTERM');
        const run = await done;
        expect(run.code).toBe(1);
        // The build's stop-commands end before the warning, once, or the runner shows the warning as text.
        const lines = run.stdout.split('\n');
        const [, token = ''] = /::stop-commands::([0-9a-f]{32})\n/.exec(run.stdout) ?? [];
        expect(token).not.toBe('');
        const warning = lines.indexOf("::warning::SIGTERM: removing the base commit's worktree before the job stops.");
        const resumed = lines.flatMap((line, index) => (line === `::${token}::` ? [index] : []));
        expect(warning).toBeGreaterThan(-1);
        expect(resumed).toHaveLength(1);
        expect(resumed[0]).toBeLessThan(warning);
        expect(leftInTemp()).toEqual([]);
        expect(worktrees()).toBe(1);
      } finally {
        writeFileSync(stop, '');
      }
    });
  });

  test('inline mode asks for the aws-region input, not a region in a file, and names the memory input', async () => {
    const ws = workspace(spin(100), spin(100));
    const inline = {
      function: 'orders',
      runtime: 'nodejs20.x',
      handler: 'index.handler',
      candidate: 'build/candidate',
      baseline: 'build/baseline',
    };
    const noRegion = await actionHere(
      ws,
      { ...inline, endpoint: '' },
      { name: 'pull_request', ref: 'refs/pull/25/merge', payload: pullRequestEvent },
      { AWS_REGION: '' },
    );
    expect(noRegion.code).toBe(1);
    expect(noRegion.stdout).toContain('input aws-region: not set; set aws-region, or AWS_REGION in the environment');
    expect(noRegion.stdout).not.toContain('in the file');
    const badMemory = await actionHere(
      ws,
      { ...inline, memory: 'abc' },
      { name: 'pull_request', ref: 'refs/pull/25/merge', payload: pullRequestEvent },
    );
    expect(badMemory.code).toBe(1);
    expect(badMemory.stdout).toContain('input memory: "abc" is not a memory size in MB');
    const badBudget = await actionHere(
      ws,
      { ...inline, budgets: '{warm-p90-ms: -3}' },
      { name: 'pull_request', ref: 'refs/pull/25/merge', payload: pullRequestEvent },
    );
    expect(badBudget.code).toBe(1);
    expect(badBudget.stdout).toMatch(/the action inputs is not valid:%0A {2}- input budgets.warm-p90-ms: /);
    expect(await functionsLeft()).toEqual([]);
  });

  test("the action's own words: a missing config names the config input, a missing event file says so, an unwritable report-path fails first", async () => {
    const ws = workspace(spin(100), spin(100));
    const event = { name: 'pull_request', ref: 'refs/pull/21/merge', payload: pullRequestEvent };
    const noEvent = await actionHere(ws, { build: 'true', 'build-output': 'dist' }, event, {
      GITHUB_EVENT_PATH: '',
    });
    expect(noEvent.code).toBe(1);
    expect(noEvent.stdout).toContain('GITHUB_EVENT_PATH is not set, so the pull_request event cannot be read');
    expect(noEvent.stdout).not.toContain('names no base commit');

    const proc = await actionHere(ws, { 'report-path': '/proc/r.json' }, event);
    expect(proc.code).toBe(1);
    expect(proc.stdout).toContain('input report-path: /proc/r.json: cannot be created (ENOENT');

    const missing = await actionHere(ws, { config: 'perf/lambda-perf.yml' }, event);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain(
      `file not found: set the action's config input to its path, relative to the repository root (it is "perf/lambda-perf.yml")`,
    );
    expect(missing.stdout).not.toContain('--config');

    expect(await functionsLeft()).toEqual([]);
  });

  test('bad inputs fail the step with what is wrong, before any AWS call', async () => {
    const ws = workspace(spin(1000), spin(1000));
    const run = await actionHere(
      ws,
      { 'fail-on': 'regression,slowness', comment: 'sometimes' },
      { name: 'pull_request', ref: 'refs/pull/12/merge', payload: pullRequestEvent },
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      'input fail-on: "slowness" is not one of regression, budget, inconclusive, error (or none)',
    );
    expect(run.stdout).toContain(
      'input comment: must be one of always, on-change, on-failure, never (got "sometimes")',
    );
    expect(await functionsLeft()).toEqual([]);
  });
});
