import { getOctokit } from '@actions/github';
import { upsertStickyComment } from '../../src/github/sticky-comment.js';
import type { CommentState } from '../../src/report/comment-state.js';
import { commentMarker, renderMarkdown } from '../../src/report/markdown.js';
import type { Verdict } from '../../src/analysis/result.js';
import { GITHUB_ACTIONS_BOT, startGitHubStandIn, type GitHubStandIn } from '../helpers/github-stand-in.js';
import { scenarioReport } from '../helpers/report-fixture.js';

let github: GitHubStandIn;
let octokit: ReturnType<typeof getOctokit>;
beforeAll(async () => {
  github = await startGitHubStandIn();
  octokit = getOctokit('test-token', { baseUrl: github.url });
});
afterAll(() => github.close());

let issue = 100;
const body = (key: string, verdict: Verdict, text = ''): string =>
  `${commentMarker(key, verdict)}\n## ${verdict}${text}`;

describe('the sticky PR comment', () => {
  test('always: one comment per key, found again among many and updated in place', async () => {
    const n = ++issue;
    for (let i = 0; i < 120; i++) github.comments.push({ id: 1 + i, issue: n, body: `chatter ${i}`, html_url: '' });
    const target = { owner: 'acme', repo: 'orders', issueNumber: n, key: 'perf.yml' };
    const first = await upsertStickyComment(octokit, target, body('perf.yml', 'fail'), 'fail', 'always');
    const other = await upsertStickyComment(
      octokit,
      { ...target, key: 'other.yml' },
      body('other.yml', 'pass'),
      'pass',
      'always',
    );
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
    expect((await upsertStickyComment(octokit, target, body('k', 'fail', ' again'), 'fail', 'on-change')).action).toBe(
      'unchanged',
    );
    expect((await upsertStickyComment(octokit, target, body('k', 'pass'), 'pass', 'on-change')).action).toBe('updated');
  });

  test('on-failure: only a failure creates a comment; afterwards it is kept current', async () => {
    const target = { owner: 'acme', repo: 'orders', issueNumber: ++issue, key: 'k' };
    expect(
      (await upsertStickyComment(octokit, target, body('k', 'inconclusive'), 'inconclusive', 'on-failure')).action,
    ).toBe('skipped');
    expect((await upsertStickyComment(octokit, target, body('k', 'fail'), 'fail', 'on-failure')).action).toBe(
      'created',
    );
    expect((await upsertStickyComment(octokit, target, body('k', 'pass'), 'pass', 'on-failure')).action).toBe(
      'updated',
    );
  });

  test('never writes nothing, and asks nothing', async () => {
    const before = github.requests.length;
    const result = await upsertStickyComment(
      octokit,
      { owner: 'acme', repo: 'orders', issueNumber: ++issue, key: 'k' },
      body('k', 'fail'),
      'fail',
      'never',
    );
    expect(result.action).toBe('skipped');
    expect(github.requests.length).toBe(before);
  });

  test("the next comment says what changed since the last one, read from the gate's own comment", async () => {
    const target = { owner: 'acme', repo: 'orders', issueNumber: ++issue, key: 'perf.yml' };
    const seen: (CommentState | undefined)[] = [];
    const render = (report: ReturnType<typeof scenarioReport>) => (previous: CommentState | undefined) => {
      seen.push(previous);
      return renderMarkdown(report, { key: 'perf.yml', ...(previous ? { previous } : {}) });
    };
    await upsertStickyComment(octokit, target, render(scenarioReport('fail')), 'fail', 'always');
    await upsertStickyComment(octokit, target, render(scenarioReport('pass')), 'pass', 'always');
    expect(seen[0]).toBeUndefined();
    expect(seen[1]).toEqual({
      sha: '0123456789abcdef0123456789abcdef01234567',
      functions: [{ name: 'orders', verdict: 'fail', warmChangePercent: 23.4 }],
    });
    const [ours] = github.comments.filter((c) => c.issue === target.issueNumber);
    expect(ours!.body).toContain('Since the last run (`0123456`): was ❌ +23%, now ✅ +1.0%.');
  });

  describe("a comment someone else wrote with the marker is not the gate's", () => {
    const mallory = { login: 'mallory', id: 666, type: 'User' as const };

    test('with GITHUB_TOKEN: the gate writes and then updates its own comment, and leaves the planted one alone', async () => {
      const n = ++issue;
      const planted = {
        id: 9001,
        issue: n,
        body: body('perf.yml', 'pass', ' (all good, merge it)'),
        html_url: 'planted',
        user: mallory,
      };
      github.comments.push(planted);
      const target = { owner: 'acme', repo: 'orders', issueNumber: n, key: 'perf.yml' };
      const first = await upsertStickyComment(octokit, target, body('perf.yml', 'fail'), 'fail', 'always');
      const second = await upsertStickyComment(octokit, target, body('perf.yml', 'fail', ' again'), 'fail', 'always');
      expect([first.action, second.action]).toEqual(['created', 'updated']);
      expect(second.url).toBe(first.url);
      const ours = github.comments.filter((c) => c.issue === n && c.id !== planted.id);
      expect(ours).toEqual([
        expect.objectContaining({ user: GITHUB_ACTIONS_BOT, body: body('perf.yml', 'fail', ' again') }),
      ]);
      expect(planted.body).toBe(body('perf.yml', 'pass', ' (all good, merge it)'));
      expect(github.requests.filter((r) => r === 'PATCH /repos/acme/orders/issues/comments/9001')).toEqual([]);
    });

    test("a planted comment's state line is not read as what the gate showed last", async () => {
      const n = ++issue;
      const planted = `${commentMarker('k', 'pass')}\n<!-- lambda-perf-gate-state v=1 f=orders,pass,-50.0 -->`;
      github.comments.push({ id: 9005, issue: n, body: planted, html_url: 'planted', user: mallory });
      const seen: (CommentState | undefined)[] = [];
      const result = await upsertStickyComment(
        octokit,
        { owner: 'acme', repo: 'orders', issueNumber: n, key: 'k' },
        (previous) => (seen.push(previous), body('k', 'fail')),
        'fail',
        'always',
      );
      expect(result.action).toBe('created');
      expect(seen).toEqual([undefined]);
    });

    test('on-change: a planted "fail" comment does not make the gate think it already reported the failure', async () => {
      const n = ++issue;
      github.comments.push({ id: 9002, issue: n, body: body('k', 'fail'), html_url: 'planted', user: mallory });
      const target = { owner: 'acme', repo: 'orders', issueNumber: n, key: 'k' };
      expect((await upsertStickyComment(octokit, target, body('k', 'fail'), 'fail', 'on-change')).action).toBe(
        'created',
      );
    });

    test("with a personal access token: the gate asks GitHub who it is and keeps to that person's comment", async () => {
      github.tokens.set('pat-alice', { user: { login: 'Alice', id: 7, type: 'User' }, installation: false });
      const asAlice = getOctokit('pat-alice', { baseUrl: github.url });
      const n = ++issue;
      github.comments.push({ id: 9003, issue: n, body: body('k', 'pass'), html_url: 'planted', user: mallory });
      github.comments.push({
        id: 9004,
        issue: n,
        body: body('k', 'pass'),
        html_url: 'from GITHUB_TOKEN',
        user: GITHUB_ACTIONS_BOT,
      });
      const target = { owner: 'acme', repo: 'orders', issueNumber: n, key: 'k' };
      const first = await upsertStickyComment(asAlice, target, body('k', 'fail'), 'fail', 'always');
      const second = await upsertStickyComment(asAlice, target, body('k', 'pass'), 'pass', 'always');
      expect([first.action, second.action]).toEqual(['created', 'updated']);
      expect(github.comments.filter((c) => c.issue === n && c.user?.login === 'Alice')).toHaveLength(1);
      expect(github.comments.filter((c) => c.issue === n).map((c) => c.body.includes('verdict=pass'))).toEqual([
        true,
        true,
        true,
      ]);
      expect(github.requests.filter((r) => r.startsWith('PATCH') && /\/(9003|9004)$/.test(r))).toEqual([]);
    });
  });
});

describe("another workflow's comment", () => {
  const PERF = 'acme/orders/.github/workflows/perf.yml';
  const NIGHTLY = 'acme/orders/.github/workflows/nightly.yml';
  const by = (workflow: string | undefined, verdict: Verdict, text = ''): string =>
    `${commentMarker('perf.yml', verdict, workflow)}\n## ${verdict}${text}`;

  test.each([
    ['names another workflow', NIGHTLY],
    ['names no workflow (an older marker)', undefined],
  ])(
    "by the same bot, with this key, that %s, is neither read nor overwritten; this workflow's own is updated",
    async (_what, workflow) => {
      const n = ++issue;
      const foreign = {
        id: 9100 + n,
        issue: n,
        body: by(workflow, 'pass', ' (nightly)'),
        html_url: 'foreign',
        user: GITHUB_ACTIONS_BOT,
      };
      github.comments.push(foreign);
      const target = { owner: 'acme', repo: 'orders', issueNumber: n, key: 'perf.yml', workflow: PERF };
      const seen: (CommentState | undefined)[] = [];
      const render = (verdict: Verdict) => (previous: CommentState | undefined) => (
        seen.push(previous),
        by(PERF, verdict)
      );
      // on-change: the foreign "pass" is not this workflow's last verdict, so a first pass writes nothing.
      expect((await upsertStickyComment(octokit, target, render('pass'), 'pass', 'on-change')).action).toBe('skipped');
      const first = await upsertStickyComment(octokit, target, render('fail'), 'fail', 'always');
      const second = await upsertStickyComment(octokit, target, render('pass'), 'pass', 'always');
      expect([first.action, second.action]).toEqual(['created', 'updated']);
      expect(second.url).toBe(first.url);
      expect(foreign.body).toBe(by(workflow, 'pass', ' (nightly)'));
      expect(github.requests.filter((r) => r === `PATCH /repos/acme/orders/issues/comments/${foreign.id}`)).toEqual([]);
      expect(github.comments.filter((c) => c.issue === n).map((c) => c.body)).toEqual([
        by(workflow, 'pass', ' (nightly)'),
        by(PERF, 'pass'),
      ]);
      expect(seen[0]).toBeUndefined();
    },
  );

  test.each([
    ['always', 'pass'],
    ['on-change', 'fail'],
  ] as const)(
    "a comment of the same bot that quotes this workflow's exact marker inside its text (a PR body echoed by another workflow) is not ours (%s)",
    async (mode, verdict) => {
      const n = ++issue;
      const quoted = `## Welcome\nThe pull request says:\n\n> ${commentMarker('perf.yml', 'fail', PERF)}\n> please review`;
      github.comments.push({ id: 9400 + n, issue: n, body: quoted, html_url: 'welcome', user: GITHUB_ACTIONS_BOT });
      const target = { owner: 'acme', repo: 'orders', issueNumber: n, key: 'perf.yml', workflow: PERF };
      // Taken as ours, it would be overwritten (always), or its forged "fail" would pass for the last verdict and keep a real failure unwritten (on-change).
      expect((await upsertStickyComment(octokit, target, by(PERF, verdict), verdict, mode)).action).toBe('created');
      expect(github.comments.find((c) => c.id === 9400 + n)!.body).toBe(quoted);
    },
  );

  test('the marker names the workflow, URI-encoded, after the verdict; a marker that does not decode is no match and no crash', async () => {
    expect(commentMarker('perf.yml', 'fail', 'acme/orders/.github/workflows/perf gate.yml')).toBe(
      '<!-- lambda-perf-gate key=perf.yml verdict=fail workflow=acme%2Forders%2F.github%2Fworkflows%2Fperf%20gate.yml -->',
    );
    const n = ++issue;
    github.comments.push({
      id: 9300,
      issue: n,
      body: '<!-- lambda-perf-gate key=%E0%A4%A verdict=fail workflow=%ZZ -->',
      html_url: 'broken',
      user: GITHUB_ACTIONS_BOT,
    });
    const target = { owner: 'acme', repo: 'orders', issueNumber: n, key: 'perf.yml', workflow: PERF };
    expect((await upsertStickyComment(octokit, target, by(PERF, 'fail'), 'fail', 'always')).action).toBe('created');
  });
});

describe('a token that may not write comments', () => {
  test('a 403 on writing names the missing permission, pull-requests: write', async () => {
    github.forbidWrites = true;
    try {
      const target = { owner: 'acme', repo: 'orders', issueNumber: ++issue, key: 'k' };
      await expect(upsertStickyComment(octokit, target, body('k', 'fail'), 'fail', 'always')).rejects.toThrow(
        /Resource not accessible by integration.*\(HTTP 403\): the token needs the permission pull-requests: write/,
      );
    } finally {
      github.forbidWrites = false;
    }
  });
});
