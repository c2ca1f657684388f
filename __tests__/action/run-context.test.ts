import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRunContext } from '../../src/github/event.js';

let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'lpg-event-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function contextOf(eventName: string, payload: unknown) {
  const path = join(dir, `${eventName}.json`);
  writeFileSync(path, JSON.stringify(payload));
  return readRunContext({
    GITHUB_EVENT_NAME: eventName,
    GITHUB_EVENT_PATH: path,
    GITHUB_REPOSITORY: 'acme/orders',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_SHA: 'f'.repeat(40),
  });
}

describe('what the action reads of the event', () => {
  test("a pull request's base commit and its labels", () => {
    const context = contextOf('pull_request', {
      pull_request: {
        number: 7,
        base: { ref: 'main', sha: 'a'.repeat(40) },
        labels: [{ name: 'perf-regression-accepted' }, { name: 'docs' }, { id: 3 }],
      },
    });
    expect(context).toMatchObject({
      pullRequest: 7,
      baseRef: 'main',
      baseSha: 'a'.repeat(40),
      labels: ['perf-regression-accepted', 'docs'],
    });
  });

  test("a push compares with the commit it replaced, and a new branch's push with nothing", () => {
    expect(contextOf('push', { before: 'b'.repeat(40), repository: { default_branch: 'main' } })).toMatchObject({
      baseSha: 'b'.repeat(40),
      labels: [],
      isDefaultBranchPush: true,
    });
    expect(contextOf('push', { before: '0'.repeat(40) }).baseSha).toBeUndefined();
    expect(contextOf('workflow_dispatch', {}).baseSha).toBeUndefined();
  });

  test.each([
    [
      'the workflow file, without the ref',
      {
        GITHUB_WORKFLOW_REF: 'acme/orders/.github/workflows/perf.yml@refs/pull/7/merge',
        GITHUB_WORKFLOW: 'Performance',
      },
      'acme/orders/.github/workflows/perf.yml',
    ],
    ['its name where the runner gives no file', { GITHUB_WORKFLOW: 'Performance' }, 'Performance'],
    ['nothing where the runner says neither', {}, undefined],
  ])('the workflow that runs, for its comments: %s', (_what, env, workflow) => {
    expect(readRunContext({ GITHUB_EVENT_NAME: 'pull_request', ...env }).workflow).toBe(workflow);
  });
});
