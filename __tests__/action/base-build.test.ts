import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  addBaseWorktree,
  buildBoth,
  buildEnvironment,
  checkBaseCommit,
  removeBaseWorktree,
  runBuild,
  withBuildOutputs,
  worktreePath,
} from '../../src/action/base-build.js';
import { validateConfig } from '../../src/config/load.js';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'lpg-base-build-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const git = (dir: string, ...args: string[]): string =>
  execFileSync(
    'git',
    ['-C', dir, '-c', 'user.name=test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args],
    { encoding: 'utf8' },
  ).trim();

let counter = 0;
/**
 * A repository with two commits: the base writes "base" into dist/out.txt when built, the head
 * "head". Returns the directory (checked out at the head) and the base commit.
 */
function twoCommits(build = 'mkdir -p dist && cat src.txt > dist/out.txt'): {
  dir: string;
  base: string;
  head: string;
} {
  const dir = join(root, `repo${++counter}`);
  execFileSync('git', ['init', '-q', '-b', 'main', dir]);
  writeFileSync(join(dir, 'build.sh'), build);
  writeFileSync(join(dir, 'src.txt'), 'base\n');
  writeFileSync(join(dir, '.gitignore'), 'dist/\n');
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'base');
  const base = git(dir, 'rev-parse', 'HEAD');
  writeFileSync(join(dir, 'src.txt'), 'head\n');
  git(dir, 'commit', '-qam', 'head');
  return { dir, base, head: git(dir, 'rev-parse', 'HEAD') };
}

function worktrees(dir: string): string[] {
  return git(dir, 'worktree', 'list', '--porcelain')
    .split('\n')
    .filter((line) => line.startsWith('worktree '))
    .map((line) => line.slice('worktree '.length));
}

async function build(
  dir: string,
  base: string,
  command = 'sh build.sh',
  output = 'dist',
  env: NodeJS.ProcessEnv = process.env,
) {
  const worktree = worktreePath(root);
  const log: string[] = [];
  await checkBaseCommit(dir, base);
  await addBaseWorktree(dir, base, worktree);
  try {
    return {
      builds: await buildBoth({
        repository: dir,
        baseSha: base,
        command,
        output,
        worktree,
        env: buildEnvironment(env),
        log: (line) => log.push(line),
      }),
      log,
      worktree,
    };
  } catch (error) {
    return { error: error as Error, log, worktree };
  }
}

describe('building the head and the base commit with the same command', () => {
  test('the head builds in the checkout, the base commit in a worktree of its own, which goes away afterwards', async () => {
    const { dir, base } = twoCommits();
    const { builds, worktree } = await build(dir, base);
    expect(builds).toEqual({ candidate: join(dir, 'dist'), baseline: join(worktree, 'dist') });
    expect(readFileSync(join(builds!.candidate, 'out.txt'), 'utf8')).toBe('head\n');
    expect(readFileSync(join(builds!.baseline, 'out.txt'), 'utf8')).toBe('base\n');
    expect(worktrees(dir)).toEqual([dir, worktree]);
    // The checkout itself is left at the head, with nothing but the build's output added.
    expect(git(dir, 'status', '--porcelain')).toBe('');
    await removeBaseWorktree(dir, worktree);
    expect(existsSync(worktree)).toBe(false);
    expect(worktrees(dir)).toEqual([dir]);
    // Twice is harmless.
    await removeBaseWorktree(dir, worktree);
  });

  test('a shallow clone without the base commit is refused with the checkout option that fixes it', async () => {
    const { dir, base } = twoCommits();
    const shallow = join(root, `shallow${++counter}`);
    execFileSync('git', ['clone', '-q', '--depth', '1', `file://${dir}`, shallow]);
    await expect(checkBaseCommit(shallow, base)).rejects.toThrow(
      `the base commit ${base} is not in the clone (a shallow checkout has only the head): check out with fetch-depth: 0 (actions/checkout)`,
    );
    await expect(checkBaseCommit(root, base)).rejects.toThrow(`${root} is not a git checkout`);
    await expect(checkBaseCommit(dir, '--output=x')).rejects.toThrow('the base commit "--output=x" is not a commit id');
  });

  test('a failing build shows the tail of its output, and its worktree can be removed', async () => {
    const { dir, base } = twoCommits(
      'for i in $(seq 1 30); do echo "line $i"; done; echo "::error::forged" >&2; exit 4',
    );
    const { error, log, worktree } = await build(dir, base);
    expect(error?.message).toMatch(
      /^build: "sh build.sh" exited with 4 building the baseline \(in .*\); last output:\nline 12\n/,
    );
    const tail = error!.message.split('last output:\n')[1]!.split('\n');
    expect(tail).toHaveLength(20);
    expect(tail.at(-1)).toBe('::error::forged');
    expect(log).toHaveLength(32);
    await removeBaseWorktree(dir, worktree);
    expect(worktrees(dir)).toEqual([dir]);
  });

  test('a build that produces no build-output is refused, naming the input, the path and the side', async () => {
    // The base commit is built first, so a path neither side makes is reported for the baseline.
    const { dir, base } = twoCommits();
    const { error, worktree } = await build(dir, base, 'sh build.sh', 'build');
    expect(error?.message).toContain(
      `input build-output: build does not exist after "sh build.sh" built the baseline (looked for ${join(worktree, 'build')})`,
    );
    // The head may lack what the base has: the candidate side is named.
    const second = twoCommits(
      'mkdir -p dist && cat src.txt > dist/out.txt && if ! grep -q head src.txt; then mkdir -p out; fi',
    );
    const { error: headError } = await build(second.dir, second.base, 'sh build.sh', 'out');
    expect(headError?.message).toContain(
      `input build-output: out does not exist after "sh build.sh" built the candidate (looked for ${join(second.dir, 'out')})`,
    );
  });

  test('the build runs without AWS credentials, the GitHub token, the action inputs or the runner file commands', async () => {
    const { dir, base } = twoCommits('env | sort > env.txt; mkdir -p dist; cp env.txt dist/');
    const secrets = {
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'session',
      AWS_WEB_IDENTITY_TOKEN_FILE: '/tmp/token',
      AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://169.254.170.23/v1/credentials',
      GITHUB_TOKEN: 'ghs_example',
      'INPUT_GITHUB-TOKEN': 'ghs_example',
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'oidc',
      ACTIONS_RUNTIME_TOKEN: 'runtime',
      GITHUB_OUTPUT: '/tmp/output',
      GITHUB_ENV: '/tmp/env',
      GITHUB_STATE: '/tmp/state',
    };
    const kept = { AWS_REGION: 'eu-west-1', GITHUB_SHA: 'abc123', NPM_CONFIG_CACHE: '/tmp/npm' };
    const { builds } = await build(dir, base, 'sh build.sh', 'dist', { PATH: process.env.PATH, ...secrets, ...kept });
    const seen = readFileSync(join(builds!.candidate, 'env.txt'), 'utf8');
    for (const name of Object.keys(secrets)) expect(seen).not.toContain(`${name}=`);
    for (const [name, value] of Object.entries(kept)) expect(seen).toContain(`${name}=${value}\n`);
    expect(seen).toContain('AWS_EC2_METADATA_DISABLED=true\n');
  });

  test('a stopped build (a cancelled job) ends with everything it started', async () => {
    const dir = mkdtempSync(join(root, 'stop-'));
    const stop = new AbortController();
    const running = runBuild(
      'sleep 60 & echo $! > grandchild.pid; wait',
      dir,
      'candidate',
      buildEnvironment(process.env),
      () => undefined,
      stop.signal,
    );
    const deadline = Date.now() + 10_000;
    while (!existsSync(join(dir, 'grandchild.pid')) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    const pid = Number(readFileSync(join(dir, 'grandchild.pid'), 'utf8'));
    stop.abort();
    await expect(running).rejects.toThrow(
      'build: "sleep 60 & echo $! > grandchild.pid; wait" was stopped by SIGTERM building the candidate',
    );
    // Gone, or a zombie waiting for a reaper that a container's PID 1 may never be.
    const alive = (): boolean => {
      try {
        return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
      } catch {
        return false;
      }
    };
    while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(alive()).toBe(false);
  });
});

describe("the builds' outputs in the configuration read before them", () => {
  /** Two functions of one build output, read with the checkouts standing in for the builds. */
  function readBeforeBuilding(checkouts: { candidate: string; baseline: string }) {
    const fn = (name: string) => ({
      name,
      runtime: 'nodejs20.x',
      handler: 'index.handler',
      'build-output': name,
      exemplars: [{ name: 'e', event: {} }],
    });
    const document = { region: 'us-east-1', functions: [fn('validator'), fn('csv')] };
    return validateConfig(document, join(root, 'lambda-perf.yml'), { env: {}, builds: checkouts });
  }

  test("each function's build-output is its directory inside the build output of each side", () => {
    const checkouts = { candidate: join(root, 'co-head'), baseline: join(root, 'co-base') };
    const builds = { candidate: join(checkouts.candidate, 'dist'), baseline: join(checkouts.baseline, 'dist') };
    for (const side of Object.values(builds))
      for (const name of ['validator', 'csv']) mkdirSync(join(side, name), { recursive: true });
    const config = withBuildOutputs(readBeforeBuilding(checkouts), checkouts, builds);
    expect(config.functions.map((fn) => [fn.candidate, fn.baseline])).toEqual(
      ['validator', 'csv'].map((name) => [
        { kind: 'directory', path: join(builds.candidate, name) },
        { kind: 'directory', path: join(builds.baseline, name) },
      ]),
    );
  });

  test('a build-output the build did not produce is refused, naming the function and the side', () => {
    const checkouts = { candidate: join(root, 'co2-head'), baseline: join(root, 'co2-base') };
    const builds = { candidate: join(checkouts.candidate, 'dist'), baseline: join(checkouts.baseline, 'dist') };
    for (const side of Object.values(builds)) mkdirSync(join(side, 'validator'), { recursive: true });
    expect(() => withBuildOutputs(readBeforeBuilding(checkouts), checkouts, builds)).toThrow(
      `functions[1].build-output: csv: ${join(builds.candidate, 'csv')} (the candidate's) does not exist after the build`,
    );
  });
});
