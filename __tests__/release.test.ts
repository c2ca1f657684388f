import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

const readme = readFileSync('README.md', 'utf8');

/** The shell blocks of the README, as the lines a reader would paste. */
function shellCommands(markdown: string): string[] {
  return [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((block) =>
    block[1]!
      .split('\n')
      .map((line) => line.replace(/#.*$/, '').trim())
      .filter(Boolean),
  );
}

describe('the README shows only install commands that work while the package is not on the npm registry', () => {
  test('no command installs or runs lambda-perf-gate by its registry name', () => {
    // `npm install lambda-perf-gate` and a bare `npx lambda-perf-gate` answered 404 (issue 21).
    expect(readme).not.toMatch(/npm (install|i|add)( --?[\w-]+)* lambda-perf-gate(@[\w.]+)?(?![/\w.-])/);
    expect(readme).not.toMatch(/npx (--yes |-y )?lambda-perf-gate\b[^\n]*without installing/);
  });

  test('the CLI is installed from the repository or a release tarball, and the quick start stays two commands', () => {
    const commands = shellCommands(readme);
    const installs = commands.filter((line) => /^npm (install|i) /.test(line));
    expect(installs.length).toBeGreaterThan(0);
    for (const install of installs)
      expect(install).toMatch(/ (github:lambda-perf-gate\/lambda-perf-gate|\S+\/lambda-perf-gate-[\w.${}-]+\.tgz)$/);
    const quickStart = readme.split('## Quick start')[1]!.split('\n## ')[0]!;
    expect(shellCommands(quickStart)).toEqual(['npm ci && npm run demo', 'npm ci && npm test']);
  });
});

describe('the release workflow', () => {
  interface Step {
    run?: string;
    uses?: string;
    with?: Record<string, unknown>;
  }
  interface Workflow {
    on: { push: { tags: string[] } };
    permissions: Record<string, string>;
    jobs: Record<string, { steps: Step[] }>;
  }
  let workflow: Workflow;
  let runs: string[];
  beforeAll(() => {
    workflow = parse(readFileSync('.github/workflows/release.yml', 'utf8')) as Workflow;
    runs = Object.values(workflow.jobs).flatMap((job) => job.steps.map((step) => step.run ?? ''));
  });
  const firstRun = (pattern: RegExp): number => runs.findIndex((run) => pattern.test(run));

  test('runs on a version tag, with the OIDC token npm provenance needs and the right to make a release', () => {
    expect(workflow.on.push.tags).toEqual(['v*']);
    expect(workflow.permissions).toMatchObject({ 'id-token': 'write', contents: 'write' });
  });

  test('installs, tests, packs, checks with a dry run, then publishes with provenance, in that order', () => {
    const order = [
      firstRun(/^npm ci\b/m),
      firstRun(/^npm test$/m),
      firstRun(/\bnpm pack\b/),
      firstRun(/\bnpm publish\b.*--dry-run/),
      firstRun(/\bnpm publish\b.*--provenance/),
    ];
    expect(order.every((index) => index >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    // The version published is the one tagged.
    expect(runs.some((run) => run.includes('GITHUB_REF_NAME') && run.includes('package.json'))).toBe(true);
  });

  test('attaches the tarball it published to the GitHub release', () => {
    const release = firstRun(/\bgh release (create|upload)\b/);
    expect(release).toBeGreaterThan(firstRun(/\bnpm publish\b.*--provenance/));
    expect(runs[release]).toMatch(/\.tgz|steps\.pack\.outputs\.tarball|\$TARBALL|\$\{?tarball/);
  });
});
