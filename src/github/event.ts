import { readFileSync } from 'node:fs';

/** What the gate needs to know of the workflow run, read from the runner's environment. */
export interface RunContext {
  readonly eventName: string;
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

/** The event that started the workflow run; empty outside one, or when its file cannot be read. */
export function readEventPayload(env: NodeJS.ProcessEnv): EventPayload {
  if (!env.GITHUB_EVENT_PATH) return {};
  try {
    const payload: unknown = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8'));
    return payload !== null && typeof payload === 'object' ? (payload as EventPayload) : {};
  } catch {
    return {};
  }
}

export function readRunContext(env: NodeJS.ProcessEnv): RunContext {
  const payload = readEventPayload(env);
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
  };
}

/**
 * The workflow running, as its file (`owner/repo/.github/workflows/perf.yml`, GITHUB_WORKFLOW_REF
 * without the ref, which differs between a pull request's runs and the default branch's), or as
 * its name (GITHUB_WORKFLOW) where the runner gives no file.
 */
export function workflowOf(env: NodeJS.ProcessEnv): string | undefined {
  const file = env.GITHUB_WORKFLOW_REF?.replace(/@[^@]*$/, '');
  return file || env.GITHUB_WORKFLOW || undefined;
}
