import * as core from '@actions/core';
import { getOctokit } from '@actions/github';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from '../config/config-error.js';
import { loadConfig, validateConfig } from '../config/load.js';
import type { GateConfig } from '../config/types.js';
import { errorMessage } from '../errors.js';
import { cleanupOnSignals } from '../gate/cleanup.js';
import { readRunContext, type RunContext } from '../github/event.js';
import { verifiedPullRequest } from '../github/report-target.js';
import { reportContext } from '../github/run-links.js';
import { upsertStickyComment } from '../github/sticky-comment.js';
import { applyRecommendedMemory } from '../lambda/apply-memory.js';
import { createLambdaClient } from '../lambda/client.js';
import type { CommentState } from '../report/comment-state.js';
import { renderMarkdown, type MarkdownOptions } from '../report/markdown.js';
import { failingFindings } from '../result/fail-on.js';
import { serializeReport } from '../report/json.js';
import type { MemoryChange } from '../model/production.js';
import { SCHEMA_VERSION, type GateReport } from '../result/model.js';
import { Redactor } from '../result/redact.js';
import { classifyFailure, runSession, type SessionResult } from '../session.js';
import { acceptRegressions } from './accepted-regression.js';
import { ActionLog } from './log.js';
import { gateOutputs } from './outputs.js';
import { readReportFile } from './report-file.js';
import {
  addBaseWorktree,
  buildBoth,
  buildEnvironment,
  checkBaseCommit,
  removeBaseWorktree,
  withBuildOutputs,
  worktreePath,
  type Builds,
} from './base-build.js';
import { inlineDocument, INPUT, OUTPUT, readInputs, type ActionInputs, type InlineFunction } from './inputs.js';
import { BASE_WORKTREE, STATE_FILE, type WorktreeState } from './state.js';
import { InfrastructureError } from '../lambda/infrastructure-error.js';
import { unwritable, writeOutput } from '../output-files.js';

/** The job summary takes 1 MiB per step; leave room for what else a step writes. */
const SUMMARY_LIMIT = 1024 * 1024 - 16 * 1024;

/** Inline inputs' config keys, and the input each comes from. */
const INLINE_KEYS: Readonly<Record<string, string>> = {
  name: INPUT.function,
  template: INPUT.template,
  runtime: INPUT.runtime,
  handler: INPUT.handler,
  candidate: INPUT.candidate,
  baseline: INPUT.baseline,
  memory: INPUT.memory,
  budgets: INPUT.budgets,
  exemplars: INPUT.exemplars,
};

/** The inline function's document, validated; its problems name the inputs, not a file's keys. */
function inlineConfig(
  inline: InlineFunction,
  workspace: string,
  overrides: Record<string, string>,
  env: NodeJS.ProcessEnv,
  builds: Builds | undefined,
  local: boolean,
): GateConfig {
  try {
    return validateConfig(inlineDocument(inline), join(workspace, 'action inputs'), {
      overrides,
      env,
      local,
      ...(builds ? { builds } : {}),
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const problems = error.problems.map((problem) =>
      problem
        .replace(/^functions\[0\]\.([a-z-]+)/, (whole, key: string) =>
          INLINE_KEYS[key] ? `input ${INLINE_KEYS[key]}` : whole,
        )
        .replace(
          /^functions\[0\]: give either template \(an existing function to copy\) or runtime and handler/,
          `inputs: give either ${INPUT.template} (an existing function to copy) or ${INPUT.runtime} and ${INPUT.handler}`,
        ),
    );
    throw new ConfigError('the action inputs', problems);
  }
}

function loadActionConfig(
  inputs: ActionInputs,
  root: string,
  env: NodeJS.ProcessEnv,
  builds: Builds | undefined,
): GateConfig {
  const overrides = {
    ...(inputs.region ? { region: inputs.region } : {}),
    ...(inputs.endpoint ? { endpoint: inputs.endpoint } : {}),
  };
  if (inputs.inline) {
    // There is no file to set a region in.
    if (inputs.backend === 'aws' && !overrides.region && !env.AWS_REGION && !env.AWS_DEFAULT_REGION) {
      throw new ConfigError('the action inputs', [
        `input ${INPUT.awsRegion}: not set; set ${INPUT.awsRegion}, or AWS_REGION in the environment (aws-actions/configure-aws-credentials sets it)`,
      ]);
    }
    return inlineConfig(inputs.inline, root, overrides, env, builds, inputs.backend === 'local');
  }
  try {
    return loadConfig(resolve(root, inputs.config), {
      overrides,
      env,
      local: inputs.backend === 'local',
      ...(builds ? { builds } : {}),
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // Omitted on purpose, perhaps, by someone who expected the action to build them.
    const hint = inputs.build
      ? ''
      : `; or give the action's ${INPUT.build} and ${INPUT.buildOutput} inputs, and it builds both from the head and the base commit`;
    throw new ConfigError(
      error.source,
      error.problems.map((p) =>
        /^functions\[\d+\]\.(candidate|baseline): is required$/.test(p) ? `${p}${hint}` : inActionWords(p, inputs),
      ),
    );
  }
}

/** A problem of the configuration file as the CLI says it (`--config`), said in the action's inputs. */
function inActionWords(problem: string, inputs: ActionInputs): string {
  if (problem.startsWith('file not found:'))
    return `file not found: set the action's ${INPUT.config} input to its path, relative to the repository root (it is "${inputs.config}"), or create it (npx lambda-perf-gate init writes a starter), or give the ${INPUT.candidate} and ${INPUT.baseline} inputs to measure one function without a file`;
  return problem.replace(/; did you mean --config (.+)\?$/, `; did you mean ${INPUT.config}: $1?`);
}

/**
 * A report file comes from the pull request's own run and can say anything: its link to "the
 * workflow run" is kept only when it points at a run of this repository on this GitHub.
 */
function withoutForeignRunLink(report: GateReport, context: RunContext, env: NodeJS.ProcessEnv): GateReport {
  const runUrl = report.context?.runUrl;
  const server = (env.GITHUB_SERVER_URL ?? 'https://github.com').replace(/\/+$/, '');
  if (!runUrl || runUrl.startsWith(`${server}/${context.owner}/${context.repo}/actions/runs/`)) return report;
  const { head, base } = report.context!;
  return { ...report, context: { ...(head ? { head } : {}), ...(base ? { base } : {}) } };
}

/** Job summary, annotations, outputs and the PR comment; a failure to comment changes nothing else. */
async function publish(
  report: GateReport,
  inputs: ActionInputs,
  context: RunContext,
  reportPath: string,
  summaryFile: string | undefined,
  log: ActionLog,
): Promise<void> {
  try {
    // Appended as the toolkit's summary does, without its buffer and file path kept for the process.
    if (!summaryFile) throw new Error('GITHUB_STEP_SUMMARY is not set');
    await appendFile(summaryFile, renderMarkdown(report, { ...commentOptions(inputs, context), limit: SUMMARY_LIMIT }));
  } catch (error) {
    log.warning(`Could not write the job summary (${errorMessage(error)}); the report is in ${reportPath}.`);
  }
  for (const fn of report.functions) {
    for (const finding of fn.findings) {
      const title = `lambda-perf-gate: ${fn.name} ${finding.kind}`;
      if (finding.kind === 'inconclusive') log.warning(finding.message, { title });
      else if (finding.kind === 'baseline-error' || finding.kind === 'notice') log.notice(finding.message, { title });
      else log.error(finding.message, { title });
    }
  }
  for (const change of report.memoryChanges ?? [])
    log.notice(`${change.function}: ${change.note}`, { title: 'lambda-perf-gate: memory' });
  for (const [name, value] of Object.entries(gateOutputs(report, reportPath))) core.setOutput(name, value);
  await comment(report, inputs, context, reportPath, log);
}

/** What tells this configuration's comment, written by this workflow, apart from every other. */
function commentIdentity(inputs: ActionInputs, context: RunContext): { key: string; workflow?: string } {
  return { key: inputs.commentKey, ...(context.workflow ? { workflow: context.workflow } : {}) };
}

/** What the comment and the job summary are rendered with: the comment's identity, charts, the accept label. */
function commentOptions(inputs: ActionInputs, context: RunContext): MarkdownOptions {
  return { ...commentIdentity(inputs, context), charts: true, acceptLabel: inputs.acceptedRegressionLabel };
}

/**
 * A REST client for the run's GitHub: its API URL from the run's environment, which the toolkit
 * would otherwise read once, when its module loads.
 */
function octokitFor(token: string, context: RunContext): ReturnType<typeof getOctokit> {
  return getOctokit(token, { baseUrl: context.apiUrl });
}

async function comment(
  report: GateReport,
  inputs: ActionInputs,
  context: RunContext,
  reportPath: string,
  log: ActionLog,
): Promise<void> {
  const issueNumber = inputs.prNumber ?? report.github?.pullRequest ?? context.pullRequest;
  if (inputs.comment === 'never' || issueNumber === undefined) return;
  if (!inputs.githubToken) {
    log.warning(`No ${INPUT.githubToken}: no PR comment; the report is in the job summary and in ${reportPath}.`);
    return;
  }
  try {
    const octokit = octokitFor(inputs.githubToken, context);
    const body = (previous: CommentState | undefined): string =>
      renderMarkdown(report, { ...commentOptions(inputs, context), ...(previous ? { previous } : {}) });
    const result = await upsertStickyComment(
      octokit,
      { owner: context.owner, repo: context.repo, issueNumber, ...commentIdentity(inputs, context) },
      body,
      report.verdict,
      inputs.comment,
    );
    log.info(`PR comment: ${result.action}${result.url ? ` (${result.url})` : ''}`);
    if (result.url) core.setOutput(OUTPUT.commentUrl, result.url);
  } catch (error) {
    // Fork PRs get a read-only token: measure there, comment from workflow_run (see the README).
    log.warning(
      `Could not comment on PR #${issueNumber}: ${errorMessage(error)}. The verdict stands; the report is in the job summary and in ${reportPath}.`,
    );
  }
}

function failIfAsked(report: GateReport, inputs: ActionInputs, log: ActionLog): void {
  const hits = failingFindings(report, inputs.failOn);
  if (hits.length) {
    log.setFailed(`lambda-perf-gate: ${report.verdict}: ${hits.map((r) => r.message).join('; ')}`);
  } else if (report.verdict === 'inconclusive') {
    log.warning(`lambda-perf-gate: inconclusive (not failing: ${INPUT.failOn} does not include inconclusive)`);
  }
}

async function applyMemory(
  report: GateReport,
  config: GateConfig,
  inputs: ActionInputs,
  context: RunContext,
  log: ActionLog,
): Promise<MemoryChange[]> {
  if (!inputs.applyMemory) return [];
  if (!context.isDefaultBranchPush) {
    log.notice(
      `${INPUT.applyMemory} is on, but this run is a ${context.eventName || 'local'} event on ${context.ref || 'no ref'}, not a push to the default branch: no function was changed.`,
    );
    return [];
  }
  const client = createLambdaClient({
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
  });
  const changes: MemoryChange[] = [];
  try {
    for (const [index, spec] of config.functions.entries()) {
      const result = report.functions[index];
      if (!spec.template || !result) {
        log.notice(`${spec.name}: no template (production function) named, so there is no memory to apply.`);
        continue;
      }
      changes.push(
        await applyRecommendedMemory(
          client,
          spec.template,
          { measured: result.name, failed: result.verdict === 'fail', recommended: result.recommended },
          config.endpoint,
        ),
      );
    }
  } finally {
    client.destroy();
  }
  return changes;
}

/** The workflow_run half of the fork-safe pair: post a report file measured elsewhere. */
async function postReportFile(
  inputs: ActionInputs,
  context: RunContext,
  workspace: string,
  redactor: Redactor,
  env: NodeJS.ProcessEnv,
  log: ActionLog,
): Promise<void> {
  const path = resolve(workspace, inputs.reportPath);
  const parsed = readReportFile(path, inputs.reportPath);
  const report = withoutForeignRunLink(redactor.deep(parsed), context, env);
  if (report.schemaVersion !== SCHEMA_VERSION)
    throw new ConfigError('the action inputs', [
      `input ${INPUT.reportPath}: schemaVersion ${String(report.schemaVersion)} is not one this version reads (${SCHEMA_VERSION})`,
    ]);
  const named = inputs.prNumber ?? report.github?.pullRequest;
  const octokit = inputs.githubToken ? octokitFor(inputs.githubToken, context) : undefined;
  const pullRequest = inputs.comment === 'never' ? undefined : await verifiedPullRequest(named, context, octokit);
  await publish(
    report,
    pullRequest === undefined ? { ...inputs, comment: 'never' } : { ...inputs, prNumber: pullRequest },
    context,
    path,
    env.GITHUB_STEP_SUMMARY,
    log,
  );
  failIfAsked(report, inputs, log);
}

/** The base commit's worktree for the `build` input, recorded for the post step before it is made. */
async function addWorktree(
  inputs: ActionInputs,
  context: RunContext,
  workspace: string,
  env: NodeJS.ProcessEnv,
  onMade: (worktree: WorktreeState) => void,
): Promise<WorktreeState | undefined> {
  if (!inputs.build) return undefined;
  if (!context.baseSha && context.eventProblem) {
    throw new ConfigError('the action inputs', [
      `input ${INPUT.build}: needs the base commit the event names, but ${context.eventProblem}; run the action in a workflow's pull_request or push job, or leave ${INPUT.build} out and give the config's candidate and baseline`,
    ]);
  }
  if (!context.baseSha) {
    throw new ConfigError('the action inputs', [
      `input ${INPUT.build}: this ${context.eventName || 'run'} event names no base commit to build (a pull_request's base.sha, or a push's before); run it on pull_request or push, or leave ${INPUT.build} out and give the config's candidate and baseline`,
    ]);
  }
  await checkBaseCommit(workspace, context.baseSha);
  const worktree = { repository: workspace, path: worktreePath(env.RUNNER_TEMP ?? tmpdir()) };
  core.saveState(BASE_WORKTREE, JSON.stringify(worktree));
  onMade(worktree);
  await addBaseWorktree(workspace, context.baseSha, worktree.path);
  return worktree;
}

/**
 * Runs the build of one side, its output shown in the log as text: the build is the pull
 * request's code, so it may not issue workflow commands (stop-commands with a token it cannot know).
 */
async function buildInLog(
  inputs: ActionInputs & { build: NonNullable<ActionInputs['build']> },
  baseSha: string,
  workspace: string,
  worktree: string,
  env: NodeJS.ProcessEnv,
  log: ActionLog,
  signal: AbortSignal,
): Promise<Builds> {
  log.startGroup(`lambda-perf-gate: ${INPUT.build}: ${inputs.build.command}`);
  log.stopCommands();
  try {
    return await buildBoth({
      repository: workspace,
      baseSha,
      command: inputs.build.command,
      output: inputs.build.output,
      worktree,
      env: buildEnvironment(env),
      log: (line) => log.info(line),
      signal,
    });
  } finally {
    log.resumeCommands();
    log.endGroup();
  }
}

/**
 * The configuration to run: read (from the base commit, when the action builds both sides),
 * checked before the builds with the checkouts standing in for their outputs, and again with them.
 * `onWorktree` learns of the base commit's worktree as soon as it exists, to remove it whatever happens.
 */
async function configToRun(
  inputs: ActionInputs,
  context: RunContext,
  workspace: string,
  env: NodeJS.ProcessEnv,
  log: ActionLog,
  steps: { readonly onWorktree: (made: WorktreeState) => void; readonly signal: AbortSignal },
): Promise<GateConfig> {
  // Opened before anything is built or deployed, so that a path does not lose a measurement.
  const reportProblem = unwritable(resolve(workspace, inputs.reportPath));
  if (reportProblem)
    throw new ConfigError('the action inputs', [`input ${INPUT.reportPath}: ${inputs.reportPath}: ${reportProblem}`]);
  let worktree: WorktreeState | undefined;
  await addWorktree(inputs, context, workspace, env, (made) => {
    worktree = made;
    steps.onWorktree(made);
  });
  // With build, the config comes from the base commit, so a pull request is measured with the
  // config it would change (see the README's Security); a first config comes from the head.
  let configRoot = workspace;
  if (worktree && !inputs.inline) {
    if (existsSync(resolve(worktree.path, inputs.config))) {
      configRoot = worktree.path;
      log.info(`Configuration: ${inputs.config} of the base commit ${context.baseSha?.slice(0, 12) ?? ''}`);
    } else {
      log.notice(`The base commit has no ${inputs.config}: using the pull request's.`);
    }
  }
  let config = loadActionConfig(
    inputs,
    configRoot,
    env,
    worktree ? { candidate: workspace, baseline: worktree.path } : undefined,
  );
  if (worktree && inputs.build && context.baseSha) {
    const builds = await buildInLog(
      { ...inputs, build: inputs.build },
      context.baseSha,
      workspace,
      worktree.path,
      env,
      log,
      steps.signal,
    );
    // Not read again: the pull request's build has run and could have changed the base's files.
    config = withBuildOutputs(config, { candidate: workspace, baseline: worktree.path }, builds);
  }
  return inputs.profile ? { ...config, profile: inputs.profile } : config;
}

/**
 * The report as the action publishes it: with the run's links, the accepted-regression label and
 * the memory changes applied, redacted once more as a whole; written, commented, and the step
 * failed where the inputs say so.
 */
async function publishSession(
  session: SessionResult,
  inputs: ActionInputs,
  context: RunContext,
  workspace: string,
  env: NodeJS.ProcessEnv,
  redactor: Redactor,
  log: ActionLog,
): Promise<void> {
  const links = reportContext(env);
  let report = links ? { ...session.report, context: links } : session.report;
  if (context.labels.includes(inputs.acceptedRegressionLabel))
    report = acceptRegressions(report, inputs.acceptedRegressionLabel);
  const memoryChanges = await applyMemory(report, session.config, inputs, context, log);
  // Redacted once more as a whole: what was added after the session (the links, the label, the
  // ref, the memory changes) quotes the environment and the event.
  report = redactor.deep({
    ...report,
    github: {
      eventName: context.eventName,
      ref: context.ref,
      sha: context.sha,
      ...(context.pullRequest ? { pullRequest: context.pullRequest } : {}),
    },
    ...(memoryChanges.length ? { memoryChanges } : {}),
  });
  const reportPath = writeOutput(resolve(workspace, inputs.reportPath), serializeReport(report), (message) =>
    log.warning(`${message}; the ${OUTPUT.reportPath} output names it.`),
  );
  await publish(report, inputs, context, reportPath, env.GITHUB_STEP_SUMMARY, log);
  failIfAsked(report, inputs, log);
}

/** The action: inputs, the gate, then the GitHub edges. */
export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let inputs: ActionInputs | undefined;
  let worktree: WorktreeState | undefined;
  let uninstall = (): void => undefined;
  const stopBuild = new AbortController();
  const removeWorktree = async (): Promise<void> => {
    if (!worktree) return;
    await removeBaseWorktree(worktree.repository, worktree.path);
    worktree = undefined;
    core.saveState(BASE_WORKTREE, '');
  };
  // Everything the action writes goes through it: the report (so the comment, summary and
  // annotations drawn from it), progress lines and the failure message.
  const redactor = Redactor.fromEnvironment(env);
  const log = new ActionLog(redactor);
  try {
    inputs = readInputs((name) => core.getInput(name));
    const workspace = env.GITHUB_WORKSPACE ?? process.cwd();
    const context = readRunContext(env);
    if (context.eventProblem)
      log.warning(`${context.eventProblem}: no pull request is known, so there is no PR comment and no label is read.`);
    if (inputs.mode === 'comment') {
      await postReportFile(inputs, context, workspace, redactor, env, log);
      return;
    }
    // The build and the worktree are this step's own; the session cleans up what the gate created.
    uninstall = cleanupOnSignals(
      async (signal) => {
        if (!worktree) return;
        // Ends the build's stop-commands first, or the runner would show the warning as text.
        log.warning(`${signal}: removing the base commit's worktree before the job stops.`);
        stopBuild.abort();
        await removeWorktree();
      },
      () => 1,
    );
    const config = await configToRun(inputs, context, workspace, env, log, {
      onWorktree: (made) => (worktree = made),
      signal: stopBuild.signal,
    });
    // From here the session's own handler answers signals (and exits when the gate's functions are
    // deleted); the worktree's removal starts beside it, and the post step finishes it if need be.
    uninstall();
    const stateFile = join(env.RUNNER_TEMP ?? tmpdir(), `lambda-perf-gate-${randomBytes(4).toString('hex')}.json`);
    core.saveState(STATE_FILE, stateFile);
    const session = await runSession({
      config,
      // The profiles of both builds go beside the report.
      profileDirectory: dirname(resolve(workspace, inputs.reportPath)),
      source: inputs.inline ? 'the action inputs' : inputs.config,
      local: inputs.backend === 'local',
      ...(inputs.localClock ? { localClock: inputs.localClock } : {}),
      stateFile,
      redactor,
      // One line each: a newline in what a function said could start a workflow command.
      progress: (line) => log.info(line.replace(/[\r\n]+/g, ' ')),
      onSecret: (value) => core.setSecret(value),
      onSignal: (signal) => {
        log.warning(`${signal}: deleting what the run created before the job stops.`);
        removeWorktree().catch(() => undefined);
      },
      onCleanupProblem: (problem) => log.warning(problem),
      signalExitCode: () => 1,
    });
    await publishSession(session, inputs, context, workspace, env, redactor, log);
  } catch (error) {
    const failure = classifyFailure(error);
    // Only the platform's failures may pass without failing the step; the host's (a report that
    // cannot be written) and our own bugs always fail it.
    if (error instanceof InfrastructureError && inputs && !inputs.failOn.includes('error')) {
      log.warning(`lambda-perf-gate: ${failure.message} (not failing: ${INPUT.failOn} does not include error)`);
    } else {
      log.setFailed(`lambda-perf-gate: ${failure.message}`);
    }
  } finally {
    uninstall();
    try {
      await removeWorktree();
    } catch (error) {
      log.warning(
        `Could not remove the base commit's worktree ${worktree?.path ?? ''}: ${errorMessage(error)}; the post step tries again.`,
      );
    }
  }
}
