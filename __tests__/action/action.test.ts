import { CreateFunctionCommand, GetFunctionConfigurationCommand, ListFunctionsCommand, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createLambdaClient } from '../../src/lambda/client.js';
import { startLocalLambda, type LocalLambda } from '../../src/local-lambda/service.js';
import { startGitHubStandIn, type GitHubStandIn } from '../helpers/github-stand-in.js';
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

let counter = 0;
/** A repository checkout with two builds and a config, as a workflow would have it. */
function workspace(baseline: string, candidate: string, config: Record<string, unknown> = {}): Workspace {
  const dir = join(root, `ws${++counter}`);
  for (const [build, code] of [['baseline', baseline], ['candidate', candidate]]) {
    mkdirSync(join(dir, 'build', build!), { recursive: true });
    writeFileSync(join(dir, 'build', build!, 'index.js'), code!);
  }
  writeFileSync(
    join(dir, 'lambda-perf.yml'),
    stringify({
      region: 'us-east-1',
      functions: [
        {
          name: 'api',
          runtime: 'nodejs20.x',
          handler: 'index.handler',
          baseline: './build/baseline',
          candidate: './build/candidate',
          memory: [1769],
          exemplars: [{ name: 'ping', event: {}, expect: { statusCode: 200 } }],
        },
      ],
      sampling: { 'pairs-per-environment': 3, batch: 8, 'max-environment-pairs': 16, concurrency: 1, seed: 3 },
      ...config,
    }),
  );
  const files = { output: join(dir, 'output.txt'), summary: join(dir, 'summary.md'), state: join(dir, 'state.txt'), event: join(dir, 'event.json') };
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

/** Runs the action's main (or post) script as a runner would: inputs and files in the environment. */
function runAction(ws: Workspace, inputs: Record<string, string>, event: { name: string; ref: string; payload: unknown }, script = 'src/action/index.ts', extraEnv: Record<string, string> = {}): { child: ReturnType<typeof spawn>; done: Promise<ActionRun> } {
  writeFileSync(ws.files.event, JSON.stringify(event.payload));
  const env: Record<string, string> = {
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
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: process.cwd(), env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stdout += d.toString()));
  const done = new Promise<ActionRun>((resolve) => child.on('exit', (code) => resolve({ code, stdout, outputs: fileCommands(ws.files.output) })));
  return { child, done };
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
    expect(first.outputs['recommended-memory']).toBe('1769');
    expect(JSON.parse(first.outputs.recommendations!)).toMatchObject({ api: { memory: 1769, architecture: 'x86_64' } });
    expect(Number(first.outputs['cost-change-percent'])).toBeGreaterThan(10);
    expect(first.outputs['report-path']).toBe(join(ws.dir, 'lambda-perf-report.json'));
    expect(JSON.parse(readFileSync(join(ws.dir, 'lambda-perf-report.json'), 'utf8'))).toMatchObject({ schemaVersion: 2, verdict: 'fail', github: { pullRequest: 7 } });
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
      const run = await runAction(ws, { 'comment-key': 'forbidden' }, { name: 'pull_request', ref: 'refs/pull/8/merge', payload: { ...pullRequestEvent, pull_request: { number: 8 } } }).done;
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
    const slow = 'exports.handler = async () => { await new Promise((r) => setTimeout(r, 500)); return { statusCode: 200 }; };';
    const ws = workspace(slow, slow, { sampling: { batch: 100, 'max-environment-pairs': 500, concurrency: 1 } });
    const { child, done } = runAction(ws, { comment: 'never' }, { name: 'pull_request', ref: 'refs/pull/9/merge', payload: pullRequestEvent });
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
    const post = await runAction(ws, {}, { name: 'pull_request', ref: 'refs/pull/9/merge', payload: pullRequestEvent }, 'src/action/cleanup.ts', { 'STATE_state-file': stateFile }).done;
    expect(post.code).toBe(0);
    expect(post.stdout).toMatch(/deleted lpg-api-[0-9a-f]{8}/);
    expect(await functionsLeft()).toEqual([]);
    expect(existsSync(stateFile)).toBe(false);
  });

  test('apply-memory changes the production function only on a push to the default branch', async () => {
    const client = createLambdaClient({ region: 'us-east-1', endpoint: lambda.endpoint });
    await client.send(new CreateFunctionCommand({ FunctionName: 'prod-api', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: 'arn:aws:iam::000000000000:role/prod', MemorySize: 512, Code: { ZipFile: zipOf({ 'index.js': spin(1000) }) } }));
    await waitUntilFunctionActiveV2({ client, maxWaitTime: 10 }, { FunctionName: 'prod-api' });
    const memoryOfProd = async () => (await client.send(new GetFunctionConfigurationCommand({ FunctionName: 'prod-api' }))).MemorySize;
    const ws = workspace(spin(1000), spin(1000));
    const config = {
      region: 'us-east-1',
      // One memory size, so the recommendation does not hang on whether this host throttles CPU.
      functions: [{ name: 'api', template: 'prod-api', baseline: './build/baseline', candidate: './build/candidate', memory: [1769], exemplars: [{ name: 'ping', event: {} }] }],
      sampling: { 'pairs-per-environment': 3, batch: 8, 'max-environment-pairs': 16, concurrency: 1, seed: 3 },
      strategy: 'speed',
    };
    writeFileSync(join(ws.dir, 'lambda-perf.yml'), stringify(config));
    const inputs = { 'apply-memory': 'true', 'fail-on': 'none', comment: 'never' };

    const onPr = await runAction(ws, inputs, { name: 'pull_request', ref: 'refs/pull/10/merge', payload: pullRequestEvent }).done;
    expect(onPr.code).toBe(0);
    expect(onPr.stdout).toMatch(/apply-memory is on, but this run is a pull_request event on refs\/pull\/10\/merge, not a push to the default branch/);
    expect(await memoryOfProd()).toBe(512);

    const onBranch = await runAction(ws, inputs, { name: 'push', ref: 'refs/heads/feature', payload: { repository: { default_branch: 'main' } } }).done;
    expect(onBranch.code).toBe(0);
    expect(await memoryOfProd()).toBe(512);

    const onMain = await runAction(ws, inputs, { name: 'push', ref: 'refs/heads/main', payload: { repository: { default_branch: 'main' } } }).done;
    expect(onMain.code).toBe(0);
    expect(onMain.outputs['recommended-memory']).toBe('1769');
    expect(onMain.stdout).toMatch(/prod-api: memory changed from 512 MB to 1769 MB/);
    expect(await memoryOfProd()).toBe(1769);
    const report = JSON.parse(readFileSync(join(ws.dir, 'lambda-perf-report.json'), 'utf8')) as { memoryChanges: unknown[] };
    expect(report.memoryChanges).toEqual([expect.objectContaining({ function: 'prod-api', from: 512, to: 1769, applied: true })]);
    client.destroy();
  });

  test('workflow_run mode posts a report measured elsewhere to the PR it names', async () => {
    const ws = workspace(spin(1000), spin(1000));
    const measured = await runAction(ws, { comment: 'never', 'fail-on': 'none' }, { name: 'pull_request', ref: 'refs/pull/11/merge', payload: { ...pullRequestEvent, pull_request: { number: 11 } } }).done;
    expect(measured.code).toBe(0);
    const before = github.comments.filter((c) => c.issue === 11).length;
    expect(before).toBe(0);
    const posted = await runAction(ws, { mode: 'comment', 'fail-on': 'none' }, { name: 'workflow_run', ref: 'refs/heads/main', payload: { workflow_run: { pull_requests: [] }, repository: { default_branch: 'main' } } }).done;
    expect(posted.code).toBe(0);
    expect(github.comments.filter((c) => c.issue === 11)).toHaveLength(1);
    expect(posted.outputs.verdict).toBe(measured.outputs.verdict);
  });

  test('bad inputs fail the step with what is wrong, before any AWS call', async () => {
    const ws = workspace(spin(1000), spin(1000));
    const run = await runAction(ws, { 'fail-on': 'regression,slowness', comment: 'sometimes' }, { name: 'pull_request', ref: 'refs/pull/12/merge', payload: pullRequestEvent }).done;
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('input fail-on: "slowness" is not one of regression, budget, inconclusive, error (or none)');
    expect(run.stdout).toContain('input comment: must be one of always, on-change, on-failure, never (got "sometimes")');
    expect(await functionsLeft()).toEqual([]);
  });
});
