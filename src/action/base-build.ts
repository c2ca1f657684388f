import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ConfigError } from '../config/config-error.js';
import type { CodeLocation, FunctionSpec, GateConfig } from '../config/types.js';
import type { Build } from '../model/sample.js';
import { UsageError } from '../errors.js';
import { INPUT } from './inputs.js';

const run = promisify(execFile);

/** Lines of a failing build's output the error keeps. */
const TAIL_LINES = 20;

/**
 * What the build command must not see: it runs the pull request's code (`npm ci` runs package
 * scripts). AWS credentials, the GitHub token and the action's inputs (the token among them), the
 * Actions runtime and OIDC request tokens, and the runner's file commands (a build writing to
 * GITHUB_OUTPUT or GITHUB_ENV could set this step's verdict or the next steps' environment).
 */
const NOT_FOR_THE_BUILD =
  /^(AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|SECURITY_TOKEN|WEB_IDENTITY_TOKEN_FILE|ROLE_ARN|ROLE_SESSION_NAME|PROFILE|SHARED_CREDENTIALS_FILE|CONFIG_FILE|CONTAINER_CREDENTIALS_\w+|CONTAINER_AUTHORIZATION_TOKEN\w*)|GITHUB_TOKEN|GH_TOKEN|INPUT_.*|ACTIONS_(RUNTIME|ID_TOKEN|CACHE|RESULTS)_\w+|GITHUB_(ENV|OUTPUT|STATE|PATH|STEP_SUMMARY))$/;

export function buildEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  // The SDKs' instance-metadata fallback would hand a build on an EC2 runner the instance's role.
  return {
    ...Object.fromEntries(Object.entries(env).filter(([name]) => !NOT_FOR_THE_BUILD.test(name))),
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

/** The build could not be made: the checkout, the base commit or the command (the step fails, exit 2 in the CLI's terms). */
class BuildError extends UsageError {}

export interface BuildRequest {
  /** The checkout of the pull request's head (GITHUB_WORKSPACE). */
  readonly repository: string;
  readonly baseSha: string;
  readonly command: string;
  /** Relative to the repository root. */
  readonly output: string;
  /** The base commit's worktree (addBaseWorktree). */
  readonly worktree: string;
  readonly env: NodeJS.ProcessEnv;
  /** One line of the build's output or of progress at a time. */
  readonly log: (line: string) => void;
  /** Stops a running build (SIGTERM), e.g. when the job is cancelled. */
  readonly signal?: AbortSignal;
}

export interface Builds {
  readonly candidate: string;
  readonly baseline: string;
}

/** A fresh worktree path under `tempDir`. */
export function worktreePath(tempDir: string): string {
  return join(tempDir, `lambda-perf-gate-base-${randomBytes(4).toString('hex')}`);
}

const WORKTREE_NAME = /^lambda-perf-gate-base-[0-9a-f]{8}$/;

async function git(repository: string, args: readonly string[]): Promise<string> {
  const { stdout } = await run('git', ['-C', repository, ...args], { maxBuffer: 16 * 1024 * 1024 });
  return stdout.trim();
}

/** Checks that the base commit can be built here, before anything is created. */
export async function checkBaseCommit(repository: string, baseSha: string): Promise<void> {
  try {
    await git(repository, ['rev-parse', '--is-inside-work-tree']);
  } catch {
    throw new BuildError(
      `${repository} is not a git checkout: check out the repository (actions/checkout, with fetch-depth: 0) before this step`,
    );
  }
  if (!/^[0-9a-f]{7,64}$/i.test(baseSha)) throw new BuildError(`the base commit "${baseSha}" is not a commit id`);
  try {
    await git(repository, ['cat-file', '-e', `${baseSha}^{commit}`]);
  } catch {
    throw new BuildError(
      `the base commit ${baseSha} is not in the clone (a shallow checkout has only the head): check out with fetch-depth: 0 (actions/checkout)`,
    );
  }
}

/** Adds a detached worktree of the base commit at `worktree`. */
export async function addBaseWorktree(repository: string, baseSha: string, worktree: string): Promise<void> {
  try {
    await git(repository, ['worktree', 'add', '--detach', worktree, baseSha]);
  } catch (error) {
    throw new BuildError(
      `could not check out the base commit ${baseSha} in ${worktree}: ${lastLine((error as { stderr?: string }).stderr ?? String(error))}`,
    );
  }
}

/** Removes the worktree and git's record of it; harmless when either is already gone. */
export async function removeBaseWorktree(repository: string, worktree: string): Promise<void> {
  // The path comes back from the step's saved state: delete only what worktreePath names.
  if (!WORKTREE_NAME.test(basename(worktree)))
    throw new Error(`${worktree} is not a worktree this action made; left alone`);
  try {
    await git(repository, ['worktree', 'remove', '--force', worktree]);
  } catch {
    // Already removed, or git refuses (a locked or half-made worktree): remove it by hand below.
  }
  rmSync(worktree, { recursive: true, force: true });
  try {
    await git(repository, ['worktree', 'prune']);
  } catch {
    // The repository itself may be gone (a cancelled job's workspace); nothing is left to prune.
  }
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}

/**
 * Runs the build command in `directory` through a shell. Resolves when it exits 0; otherwise
 * throws a BuildError with the last lines of its output.
 */
export function runBuild(
  command: string,
  directory: string,
  which: Build,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    // A process group of its own, so a stop reaches what the shell started (npm, a compiler) too.
    const child = spawn('sh', ['-c', command], {
      cwd: directory,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const stop = (): void => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
    };
    signal?.addEventListener('abort', stop, { once: true });
    const tail: string[] = [];
    const partial = { stdout: '', stderr: '' };
    const take = (stream: 'stdout' | 'stderr', chunk: Buffer | undefined, end = false): void => {
      const text = partial[stream] + (chunk?.toString('utf8') ?? '');
      const lines = text.split(/\r?\n/);
      partial[stream] = end ? '' : (lines.pop() ?? '');
      for (const line of lines) {
        if (end && line === '') continue;
        log(line);
        tail.push(line);
        if (tail.length > TAIL_LINES) tail.shift();
      }
    };
    child.stdout.on('data', (chunk: Buffer) => take('stdout', chunk));
    child.stderr.on('data', (chunk: Buffer) => take('stderr', chunk));
    child.on('error', (error) =>
      reject(new BuildError(`${INPUT.build}: could not start "${command}" for the ${which}: ${error.message}`)),
    );
    child.on('close', (code, killedBy) => {
      signal?.removeEventListener('abort', stop);
      take('stdout', undefined, true);
      take('stderr', undefined, true);
      if (code === 0) return resolvePromise();
      const how = killedBy ? `was stopped by ${killedBy}` : `exited with ${code}`;
      reject(
        new BuildError(
          `${INPUT.build}: "${command}" ${how} building the ${which} (in ${directory}); last output:\n${tail.join('\n')}`,
        ),
      );
    });
  });
}

function outputOf(root: string, output: string, which: Build, command: string): string {
  const path = resolve(root, output);
  if (!existsSync(path))
    throw new ConfigError('the action inputs', [
      `input ${INPUT.buildOutput}: ${output} does not exist after "${command}" built the ${which} (looked for ${path})`,
    ]);
  return path;
}

/**
 * Builds the base commit in its worktree (made by addBaseWorktree) and the pull request's head
 * where it is checked out, with the same command, one after the other, and returns where the two
 * outputs are.
 */
export async function buildBoth(request: BuildRequest): Promise<Builds> {
  // The base first: its build runs before any of the pull request's code has run, so the
  // pull request cannot change the base's sources under it.
  request.log(`Building the baseline (base commit ${request.baseSha.slice(0, 12)}) in ${request.worktree}`);
  await runBuild(request.command, request.worktree, 'baseline', request.env, request.log, request.signal);
  const baseline = outputOf(request.worktree, request.output, 'baseline', request.command);
  request.log(`Building the candidate (the checked-out head) with "${request.command}"`);
  await runBuild(request.command, request.repository, 'candidate', request.env, request.log, request.signal);
  const candidate = outputOf(request.repository, request.output, 'candidate', request.command);
  return { candidate, baseline };
}

/**
 * The configuration as read before the builds, with each build's output where its checkout stood
 * in (a function's build-output inside it): everything else (the config itself, the payload files)
 * was read before any of the pull request's code ran, and is not read again.
 */
export function withBuildOutputs(config: GateConfig, checkouts: Builds, builds: Builds): GateConfig {
  const swap = (fn: FunctionSpec, build: keyof Builds, where: string): CodeLocation => {
    const location = fn[build];
    const inside = fn.buildOutput ?? '';
    if (location.kind !== 'directory' || location.path !== join(checkouts[build], inside)) return location;
    const path = join(builds[build], inside);
    const stats = statSync(path, { throwIfNoEntry: false });
    if (stats?.isDirectory()) return { kind: 'directory', path };
    if (stats && path.endsWith('.zip')) return { kind: 'zip', path };
    const subject = fn.buildOutput ? `${where}.build-output: ${fn.buildOutput}` : `input ${INPUT.buildOutput}`;
    throw new ConfigError('the action inputs', [
      `${subject}: ${path} (the ${build}'s) ${stats ? 'must be a directory or a .zip file' : 'does not exist after the build'}`,
    ]);
  };
  return {
    ...config,
    functions: config.functions.map((fn, i) => ({
      ...fn,
      candidate: swap(fn, 'candidate', `functions[${i}]`),
      baseline: swap(fn, 'baseline', `functions[${i}]`),
    })),
  };
}
