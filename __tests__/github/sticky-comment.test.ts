import { getOctokit } from '@actions/github';
import { upsertStickyComment } from '../../src/github/sticky-comment.js';
import { commentMarker } from '../../src/report/markdown.js';
import type { Verdict } from '../../src/report/model.js';
import { startGitHubStandIn, type GitHubStandIn } from '../helpers/github-stand-in.js';

let github: GitHubStandIn;
let octokit: ReturnType<typeof getOctokit>;
beforeAll(async () => {
  github = await startGitHubStandIn();
  octokit = getOctokit('test-token', { baseUrl: github.url });
});
afterAll(() => github.close());

let issue = 100;
const body = (key: string, verdict: Verdict, text = ''): string => `${commentMarker(key, verdict)}\n## ${verdict}${text}`;

describe('the sticky PR comment', () => {
  test('always: one comment per key, found again among many and updated in place', async () => {
    const n = ++issue;
    for (let i = 0; i < 120; i++) github.comments.push({ id: 1 + i, issue: n, body: `chatter ${i}`, html_url: '' });
    const target = { owner: 'acme', repo: 'orders', issueNumber: n, key: 'perf.yml' };
    const first = await upsertStickyComment(octokit, target, body('perf.yml', 'fail'), 'fail', 'always');
    const other = await upsertStickyComment(octokit, { ...target, key: 'other.yml' }, body('other.yml', 'pass'), 'pass', 'always');
    const again = await upsertStickyComment(octokit, target, body('perf.yml', 'pass'), 'pass', 'always');
    expect([first.action, other.action, again.action]).toEqual(['created', 'created', 'updated']);
    expect(again.url).toBe(first.url);
    const ours = github.comments.filter((c) => c.issue === n && c.body.includes('lambda-perf-gate key=perf.yml'));
    expect(ours).toHaveLength(1);
    expect(ours[0]!.body).toContain('## pass');
    const unchanged = await upsertStickyComment(octokit, target, body('perf.yml', 'pass'), 'pass', 'always');
    expect(unchanged.action).toBe('unchanged');
  });

  test('on-change: no comment for a first pass; written when the verdict changes, left alone when it does not', async () => {
    const target = { owner: 'acme', repo: 'orders', issueNumber: ++issue, key: 'k' };
    expect((await upsertStickyComment(octokit, target, body('k', 'pass'), 'pass', 'on-change')).action).toBe('skipped');
    expect((await upsertStickyComment(octokit, target, body('k', 'fail'), 'fail', 'on-change')).action).toBe('created');
    expect((await upsertStickyComment(octokit, target, body('k', 'fail', ' again'), 'fail', 'on-change')).action).toBe('unchanged');
    expect((await upsertStickyComment(octokit, target, body('k', 'pass'), 'pass', 'on-change')).action).toBe('updated');
  });

  test('on-failure: only a failure creates a comment; afterwards it is kept current', async () => {
    const target = { owner: 'acme', repo: 'orders', issueNumber: ++issue, key: 'k' };
    expect((await upsertStickyComment(octokit, target, body('k', 'inconclusive'), 'inconclusive', 'on-failure')).action).toBe('skipped');
    expect((await upsertStickyComment(octokit, target, body('k', 'fail'), 'fail', 'on-failure')).action).toBe('created');
    expect((await upsertStickyComment(octokit, target, body('k', 'pass'), 'pass', 'on-failure')).action).toBe('updated');
  });

  test('never writes nothing, and asks nothing', async () => {
    const before = github.requests.length;
    const result = await upsertStickyComment(octokit, { owner: 'acme', repo: 'orders', issueNumber: ++issue, key: 'k' }, body('k', 'fail'), 'fail', 'never');
    expect(result.action).toBe('skipped');
    expect(github.requests.length).toBe(before);
  });
});
