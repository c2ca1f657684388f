import type { CommitRef, ReportContext } from '../result/model.js';
import { readEventPayload } from './event.js';

const SHA = /^[0-9a-f]{40}$/;
/** A push's `before` when the branch is new. */
const NO_COMMIT = /^0{40}$/;

function commit(sha: string | undefined, ref: string | undefined): CommitRef | undefined {
  if (!sha || !SHA.test(sha) || NO_COMMIT.test(sha)) return undefined;
  return { sha, ...(ref ? { ref } : {}) };
}

/**
 * The commits compared and the workflow run, from the runner's environment (GITHUB_SERVER_URL,
 * GITHUB_REPOSITORY, GITHUB_RUN_ID, GITHUB_SHA, GITHUB_REF_NAME and the event file), for the
 * action and for the CLI run inside a workflow. A pull request's head and base come from its
 * event (GITHUB_SHA is the merge commit there); a push compares its commit with `before`.
 * Undefined outside GitHub Actions.
 */
export function reportContext(env: NodeJS.ProcessEnv): ReportContext | undefined {
  if (!env.GITHUB_ACTIONS && !env.GITHUB_RUN_ID) return undefined;
  const payload = readEventPayload(env);
  const pr = payload.pull_request;
  const head = pr ? commit(pr.head?.sha, pr.head?.ref) : commit(env.GITHUB_SHA, env.GITHUB_REF_NAME);
  const base = pr ? commit(pr.base?.sha, pr.base?.ref) : commit(payload.before, undefined);
  const server = env.GITHUB_SERVER_URL ?? 'https://github.com';
  const runUrl =
    env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
      ? `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}${env.GITHUB_RUN_ATTEMPT && env.GITHUB_RUN_ATTEMPT !== '1' ? `/attempts/${env.GITHUB_RUN_ATTEMPT}` : ''}`
      : undefined;
  const context: ReportContext = {
    ...(head ? { head } : {}),
    ...(base ? { base } : {}),
    ...(runUrl ? { runUrl } : {}),
  };
  return Object.keys(context).length ? context : undefined;
}
