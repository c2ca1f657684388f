import type { getOctokit } from '@actions/github';
import { readCommentState, type CommentState } from '../report/comment-state.js';
import type { Verdict } from '../analysis/result.js';

/** When the sticky comment is written: every run, when the verdict changes, on a failure, or never (see upsertStickyComment). */
export const COMMENT_MODES = ['always', 'on-change', 'on-failure', 'never'] as const;
export type CommentMode = (typeof COMMENT_MODES)[number];

type Octokit = ReturnType<typeof getOctokit>;

export interface CommentTarget {
  readonly owner: string;
  readonly repo: string;
  readonly issueNumber: number;
  readonly key: string;
  /**
   * The workflow that writes the comment (see workflowOf): every workflow of the repository writes
   * as the same github-actions[bot], so the author alone does not tell whose comment it is.
   */
  readonly workflow?: string;
}

export interface CommentResult {
  readonly action: 'created' | 'updated' | 'unchanged' | 'skipped';
  readonly url?: string;
}

/**
 * The gate's marker, as the first line of its comment: found anywhere, a marker quoted in another
 * workflow's comment (a pull request's text it echoes) would make that comment pass for ours.
 */
const MARKER = /^<!-- lambda-perf-gate key=(\S+) verdict=(\w+)(?: workflow=(\S+))? -->(?:\r?\n|$)/;

/** The author of comments written with a workflow's GITHUB_TOKEN. */
const GITHUB_ACTIONS_LOGIN = 'github-actions[bot]';

/**
 * Who the token writes as. A person's token (PAT) says so at GET /user; a GitHub App installation
 * token, such as a workflow's GITHUB_TOKEN, gets 403 there, and its comments are written by
 * github-actions[bot]. (Another App's token writes as `<app>[bot]`, which GET /user cannot tell:
 * with one, the gate finds no comment of its own and writes a new one each run.)
 */
async function commentAuthor(octokit: Octokit): Promise<string> {
  try {
    return (await octokit.rest.users.getAuthenticated()).data.login;
  } catch (error) {
    if ((error as { status?: number }).status === 403) return GITHUB_ACTIONS_LOGIN;
    throw error;
  }
}

/**
 * Keeps one comment per configuration on the pull request, found again through its hidden marker
 * and updated in place. Modes: `always` writes every run; `on-change` writes when the verdict
 * differs from the comment's (and creates none for a pass); `on-failure` writes on a failure and
 * afterwards keeps an existing comment current; `never` writes nothing.
 *
 * Only a comment the token's own identity wrote, whose marker names this workflow, counts as the
 * gate's: anyone can post the marker, and every workflow of the repository writes as the same bot.
 * Another's comment is neither updated (which would fail, or overwrite someone else's words) nor
 * read for the previous verdict.
 *
 * `body` may be a function of what the existing comment showed (its hidden state line, read
 * strictly; undefined when there is no comment or no state that parses), so the new comment can
 * say what changed since.
 */
export async function upsertStickyComment(
  octokit: Octokit,
  target: CommentTarget,
  body: string | ((previous: CommentState | undefined) => string),
  verdict: Verdict,
  mode: CommentMode,
): Promise<CommentResult> {
  if (mode === 'never') return { action: 'skipped' };
  const author = await commentAuthor(octokit);
  const comments = await octokit.paginate(octokit.rest.issues.listComments, {
    owner: target.owner,
    repo: target.repo,
    issue_number: target.issueNumber,
    per_page: 100,
  });
  const existing = comments.find((comment) => {
    if (comment.user?.login.toLowerCase() !== author.toLowerCase()) return false;
    const match = MARKER.exec(comment.body ?? '');
    return (
      match !== null &&
      decoded(match[1]) === target.key &&
      (decoded(match[3]) || undefined) === (target.workflow || undefined)
    );
  });
  const previousVerdict = existing ? MARKER.exec(existing.body ?? '')?.[2] : undefined;
  const write =
    mode === 'always' ||
    (mode === 'on-change' && (existing ? previousVerdict !== verdict : verdict !== 'pass')) ||
    (mode === 'on-failure' && (verdict === 'fail' || existing !== undefined));
  if (!write) return existing ? { action: 'unchanged', url: existing.html_url } : { action: 'skipped' };
  const text = typeof body === 'string' ? body : body(existing ? readCommentState(existing.body ?? '') : undefined);
  try {
    if (existing) {
      if (existing.body === text) return { action: 'unchanged', url: existing.html_url };
      const updated = await octokit.rest.issues.updateComment({
        owner: target.owner,
        repo: target.repo,
        comment_id: existing.id,
        body: text,
      });
      return { action: 'updated', url: updated.data.html_url };
    }
    const created = await octokit.rest.issues.createComment({
      owner: target.owner,
      repo: target.repo,
      issue_number: target.issueNumber,
      body: text,
    });
    return { action: 'created', url: created.data.html_url };
  } catch (error) {
    throw writeRefused(error);
  }
}

/** A marker's field as written (URI-encoded); undefined when it is absent or does not decode. */
function decoded(field: string | undefined): string | undefined {
  if (field === undefined) return undefined;
  try {
    return decodeURIComponent(field);
  } catch {
    return undefined;
  }
}

/** A 403 on writing says which permission is missing; other errors pass unchanged. */
function writeRefused(error: unknown): unknown {
  if ((error as { status?: number }).status !== 403 || !(error instanceof Error)) return error;
  error.message =
    `${error.message} (HTTP 403): the token needs the permission pull-requests: write (in the workflow: permissions: pull-requests: write); ` +
    'a pull request from a fork gets a read-only token whatever the workflow asks, so comment from a workflow_run job (see the README)';
  return error;
}
