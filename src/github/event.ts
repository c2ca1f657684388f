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
}

interface EventPayload {
  pull_request?: { number?: number; base?: { ref?: string } };
  workflow_run?: { pull_requests?: { number?: number }[] };
  repository?: { default_branch?: string };
  number?: number;
}

export function readRunContext(env: NodeJS.ProcessEnv): RunContext {
  let payload: EventPayload = {};
  if (env.GITHUB_EVENT_PATH) {
    try {
      payload = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as EventPayload;
    } catch {
      payload = {};
    }
  }
  const [owner = '', repo = ''] = (env.GITHUB_REPOSITORY ?? '/').split('/');
  const eventName = env.GITHUB_EVENT_NAME ?? '';
  const ref = env.GITHUB_REF ?? '';
  const defaultBranch = payload.repository?.default_branch;
  const pullRequest = payload.pull_request?.number ?? payload.workflow_run?.pull_requests?.[0]?.number;
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
  };
}
