import { readFileSync } from 'node:fs';
import { errorMessage } from '../errors.js';

/** What the gate needs to know of the workflow run, read from the runner's environment. */
export interface RunContext {
  readonly eventName: string;
  /** GitHub's REST API (GITHUB_API_URL; GitHub Enterprise Server has its own). */
  readonly apiUrl: string;
  readonly owner: string;
  readonly repo: string;
  readonly ref: string;
  readonly sha: string;
  readonly defaultBranch?: string;
  /** The pull request this run is about, if any (also for workflow_run of a PR). */
  readonly pullRequest?: number;
  readonly baseRef?: string;
  /** A push to the default branch: the only place the gate may change a production function. */
  readonly isDefaultBranchPush: boolean;
  /** Every pull request the event is about (one for pull_request; those of the run for workflow_run). */
  readonly pullRequests: readonly number[];
  /** For workflow_run: the commit and repository the finished run was for (a fork's PR lists no pull_requests). */
  readonly workflowRun?: { readonly headSha: string; readonly headRepository: string };
  /** The commit to compare against: the pull request's base, or the commit a push replaced. */
  readonly baseSha?: string;
  /** The pull request's labels when the event was sent (a label added later needs a `labeled` run). */
  readonly labels: readonly string[];
  /** The workflow running (see workflowOf), if the runner says. */
  readonly workflow?: string;
  /** Why the event's file could not be read, when it could not: everything above then knows nothing of the event. */
  readonly eventProblem?: string;
}

/** The fields of the webhook event (the file at GITHUB_EVENT_PATH) the gate reads; any may be missing. */
export interface EventPayload {
  pull_request?: {
    number?: number;
    head?: { sha?: string; ref?: string };
    base?: { ref?: string; sha?: string };
    labels?: { name?: unknown }[];
  };
  /** A push: the commit the branch pointed at before (all zeros for a new branch). */
  before?: string;
  workflow_run?: { pull_requests?: { number?: number }[]; head_sha?: string; head_repository?: { full_name?: string } };
  repository?: { default_branch?: string };
  number?: number;
}

/** The event that started the workflow run, or why it cannot be read (outside a runner, or a bad file). */
function readEvent(env: NodeJS.ProcessEnv): { payload: EventPayload; problem?: string } {
  const event = `the ${env.GITHUB_EVENT_NAME || 'workflow'} event`;
  const path = env.GITHUB_EVENT_PATH;
  if (!path)
    return {
      payload: {},
      problem: `GITHUB_EVENT_PATH is not set, so ${event} cannot be read (the runner sets it to the event's file; set it when running the action yourself)`,
    };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? errorMessage(error);
    return { payload: {}, problem: `GITHUB_EVENT_PATH ${path} cannot be read (${code}), so ${event} cannot be read` };
  }
  try {
    const payload: unknown = JSON.parse(text);
    if (payload !== null && typeof payload === 'object') return { payload: payload as EventPayload };
    return { payload: {}, problem: `GITHUB_EVENT_PATH ${path} holds no JSON object, so ${event} cannot be read` };
  } catch (error) {
    return {
      payload: {},
      problem: `GITHUB_EVENT_PATH ${path} is not JSON (${errorMessage(error)}), so ${event} cannot be read`,
    };
  }
}

/** The event that started the workflow run; empty outside one, or when its file cannot be read. */
export function readEventPayload(env: NodeJS.ProcessEnv): EventPayload {
  return readEvent(env).payload;
}

export function readRunContext(env: NodeJS.ProcessEnv): RunContext {
  const { payload, problem } = readEvent(env);
  const [owner = '', repo = ''] = (env.GITHUB_REPOSITORY ?? '/').split('/');
  const eventName = env.GITHUB_EVENT_NAME ?? '';
  const ref = env.GITHUB_REF ?? '';
  const defaultBranch = payload.repository?.default_branch;
  const pullRequest = payload.pull_request?.number ?? payload.workflow_run?.pull_requests?.[0]?.number;
  const pullRequests = [
    payload.pull_request?.number,
    ...(payload.workflow_run?.pull_requests ?? []).map((p) => p.number),
  ].filter((n): n is number => Number.isInteger(n));
  const run = payload.workflow_run;
  const before =
    eventName === 'push' && typeof payload.before === 'string' && !/^0+$/.test(payload.before)
      ? payload.before
      : undefined;
  const baseSha = payload.pull_request?.base?.sha ?? before;
  const workflow = workflowOf(env);
  const labels = (payload.pull_request?.labels ?? [])
    .map((label) => label?.name)
    .filter((name): name is string => typeof name === 'string');
  return {
    eventName,
    apiUrl: env.GITHUB_API_URL || 'https://api.github.com',
    owner,
    repo,
    ref,
    sha: env.GITHUB_SHA ?? '',
    ...(defaultBranch ? { defaultBranch } : {}),
    ...(pullRequest ? { pullRequest } : {}),
    ...(payload.pull_request?.base?.ref ? { baseRef: payload.pull_request.base.ref } : {}),
    isDefaultBranchPush: eventName === 'push' && defaultBranch !== undefined && ref === `refs/heads/${defaultBranch}`,
    pullRequests,
    ...(run?.head_sha
      ? { workflowRun: { headSha: run.head_sha, headRepository: run.head_repository?.full_name ?? '' } }
      : {}),
    ...(baseSha ? { baseSha } : {}),
    labels,
    ...(workflow ? { workflow } : {}),
    ...(problem ? { eventProblem: problem } : {}),
  };
}

/**
 * The workflow running, as its file (`owner/repo/.github/workflows/perf.yml`, GITHUB_WORKFLOW_REF
 * without the ref, which differs between a pull request's runs and the default branch's), or as
 * its name (GITHUB_WORKFLOW) where the runner gives no file.
 */
function workflowOf(env: NodeJS.ProcessEnv): string | undefined {
  const file = env.GITHUB_WORKFLOW_REF?.replace(/@[^@]*$/, '');
  return file || env.GITHUB_WORKFLOW || undefined;
}
