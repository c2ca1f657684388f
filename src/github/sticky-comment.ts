import type { getOctokit } from '@actions/github';
import type { CommentMode } from '../action/inputs.js';
import type { Verdict } from '../report/model.js';

type Octokit = ReturnType<typeof getOctokit>;

export interface CommentTarget {
  readonly owner: string;
  readonly repo: string;
  readonly issueNumber: number;
  readonly key: string;
}

export interface CommentResult {
  readonly action: 'created' | 'updated' | 'unchanged' | 'skipped';
  readonly url?: string;
}

const MARKER = /<!-- lambda-perf-gate key=(\S+) verdict=(\w+) -->/;

/**
 * Keeps one comment per configuration on the pull request, found again through its hidden marker
 * and updated in place. Modes: `always` writes every run; `on-change` writes when the verdict
 * differs from the comment's (and creates none for a pass); `on-failure` writes on a failure and
 * afterwards keeps an existing comment current; `never` writes nothing.
 */
export async function upsertStickyComment(octokit: Octokit, target: CommentTarget, body: string, verdict: Verdict, mode: CommentMode): Promise<CommentResult> {
  if (mode === 'never') return { action: 'skipped' };
  const comments = await octokit.paginate(octokit.rest.issues.listComments, { owner: target.owner, repo: target.repo, issue_number: target.issueNumber, per_page: 100 });
  const existing = comments.find((comment) => {
    const match = MARKER.exec(comment.body ?? '');
    return match !== null && decodeURIComponent(match[1] ?? '') === target.key;
  });
  const previousVerdict = existing ? MARKER.exec(existing.body ?? '')?.[2] : undefined;
  const write =
    mode === 'always' ||
    (mode === 'on-change' && (existing ? previousVerdict !== verdict : verdict !== 'pass')) ||
    (mode === 'on-failure' && (verdict === 'fail' || existing !== undefined));
  if (!write) return existing ? { action: 'unchanged', url: existing.html_url } : { action: 'skipped' };
  if (existing) {
    if (existing.body === body) return { action: 'unchanged', url: existing.html_url };
    const updated = await octokit.rest.issues.updateComment({ owner: target.owner, repo: target.repo, comment_id: existing.id, body });
    return { action: 'updated', url: updated.data.html_url };
  }
  const created = await octokit.rest.issues.createComment({ owner: target.owner, repo: target.repo, issue_number: target.issueNumber, body });
  return { action: 'created', url: created.data.html_url };
}
