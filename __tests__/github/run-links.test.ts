import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportContext } from '../../src/github/run-links.js';

const HEAD = 'a'.repeat(40);
const BASE = 'b'.repeat(40);
const MERGE = 'c'.repeat(40);

let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'lpg-run-links-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function event(name: string, payload: unknown): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(payload));
  return path;
}

const runner = {
  GITHUB_ACTIONS: 'true',
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_REPOSITORY: 'acme/orders',
  GITHUB_RUN_ID: '4242',
  GITHUB_RUN_ATTEMPT: '1',
};

describe("the commits compared and the run, from the runner's environment", () => {
  test('a pull request: its head and base from the event (GITHUB_SHA is the merge commit), and the run', () => {
    const path = event('pr', {
      pull_request: { head: { sha: HEAD, ref: 'faster-orders' }, base: { sha: BASE, ref: 'main' } },
    });
    expect(reportContext({ ...runner, GITHUB_SHA: MERGE, GITHUB_EVENT_PATH: path })).toEqual({
      head: { sha: HEAD, ref: 'faster-orders' },
      base: { sha: BASE, ref: 'main' },
      runUrl: 'https://github.com/acme/orders/actions/runs/4242',
    });
  });

  test('a push: its commit against the one before; a new branch has none before; a rerun links its attempt', () => {
    const push = event('push', { before: BASE });
    expect(
      reportContext({
        ...runner,
        GITHUB_SHA: HEAD,
        GITHUB_REF_NAME: 'main',
        GITHUB_EVENT_PATH: push,
        GITHUB_RUN_ATTEMPT: '2',
      }),
    ).toEqual({
      head: { sha: HEAD, ref: 'main' },
      base: { sha: BASE },
      runUrl: 'https://github.com/acme/orders/actions/runs/4242/attempts/2',
    });
    const created = event('created', { before: '0'.repeat(40) });
    expect(reportContext({ ...runner, GITHUB_SHA: HEAD, GITHUB_EVENT_PATH: created })?.base).toBeUndefined();
  });

  test('outside GitHub Actions, or with an unreadable event, nothing is made up', () => {
    expect(reportContext({ GITHUB_SHA: HEAD })).toBeUndefined();
    expect(reportContext({ ...runner, GITHUB_SHA: 'not-a-sha', GITHUB_EVENT_PATH: join(dir, 'missing.json') })).toEqual(
      { runUrl: 'https://github.com/acme/orders/actions/runs/4242' },
    );
    expect(reportContext({ ...runner, GITHUB_SHA: 'not-a-sha', GITHUB_EVENT_PATH: event('null', null) })).toEqual({
      runUrl: 'https://github.com/acme/orders/actions/runs/4242',
    });
  });
});
