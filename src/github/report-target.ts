import type { getOctokit } from '@actions/github';
import { errorMessage, UsageError } from '../errors.js';
import type { RunContext } from './event.js';

type Octokit = ReturnType<typeof getOctokit>;

/**
 * The pull request a report file measured elsewhere may be posted to (`mode: comment`, the
 * workflow_run half of the fork-safe pair). The report comes from a run of the pull request's own
 * code, which can write any number into it, so the number must be one the event is about: one of
 * the event's pull requests, or, when a workflow_run lists none (GitHub lists none for a fork's
 * pull request), a pull request whose head is the commit that run was for. Returns the number, or
 * throws a message saying why not.
 */
export async function verifiedPullRequest(
  named: number | undefined,
  context: RunContext,
  octokit: Octokit | undefined,
): Promise<number | undefined> {
  const listed = context.pullRequests;
  if (named === undefined) return listed[0];
  if (listed.includes(named)) return named;
  const refuse = (why: string): never => {
    throw new UsageError(
      `refusing to comment on PR #${named}: ${why}. A report file can name any pull request; post it only where the event says it belongs.`,
    );
  };
  if (listed.length) refuse(`this ${context.eventName || 'run'} is about PR ${listed.map((n) => `#${n}`).join(', ')}`);
  const run = context.workflowRun;
  if (!run) refuse(`this ${context.eventName || 'run'} names no pull request`);
  if (!octokit)
    refuse(
      `the workflow_run lists no pull request, and without a token its head commit cannot be checked against PR #${named}`,
    );
  let head: { sha: string; repo: string };
  try {
    const { data } = await octokit!.rest.pulls.get({ owner: context.owner, repo: context.repo, pull_number: named });
    head = { sha: data.head.sha, repo: data.head.repo?.full_name ?? '' };
  } catch (error) {
    return refuse(`PR #${named} could not be read (${errorMessage(error)})`);
  }
  if (head.sha !== run!.headSha || (run!.headRepository && head.repo && head.repo !== run!.headRepository)) {
    refuse(
      `its head is ${head.sha.slice(0, 12)} (${head.repo || 'unknown repository'}), but this workflow_run was for ${run!.headSha.slice(0, 12)} (${run!.headRepository || 'unknown repository'})`,
    );
  }
  return named;
}
