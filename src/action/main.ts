import * as core from '@actions/core';
import { getOctokit } from '@actions/github';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError } from '../config/config-error.js';
import { loadConfig, validateConfig } from '../config/load.js';
import type { GateConfig } from '../config/types.js';
import { errorMessage, jsonSyntaxProblem } from '../errors.js';
import { checkForBackend, probeBackend } from '../gate/backend.js';
import { cleanupOnSignals, type CleanupRegistry } from '../gate/cleanup.js';
import { runGate } from '../gate/run-gate.js';
import { readRunContext, type RunContext } from '../github/event.js';
import { verifiedPullRequest } from '../github/report-target.js';
import { reportContext } from '../github/run-links.js';
import { upsertStickyComment } from '../github/sticky-comment.js';
import { applyRecommendedMemory } from '../lambda/apply-memory.js';
import { createLambdaClient } from '../lambda/client.js';
import { InfrastructureError } from '../lambda/infrastructure-error.js';
import { startLocalLambda, type LocalLambda } from '../local-lambda/service.js';
import type { CommentState } from '../report/comment-state.js';
import { renderMarkdown } from '../report/markdown.js';
import { failingReasons } from '../report/fail-on.js';
import { parseReport, serializeReport, unexpectedText } from '../report/json.js';
import { SCHEMA_VERSION, type GateReport, type MemoryChange } from '../report/model.js';
import { Redactor } from '../report/redact.js';
import { inlineDocument, INPUT, OUTPUT, readInputs, type ActionInputs } from './inputs.js';
import { STATE_FILE } from './state.js';

/** The job summary takes 1 MiB per step; leave room for what else a step writes. */
const SUMMARY_LIMIT = 1024 * 1024 - 16 * 1024;

function loadActionConfig(inputs: ActionInputs, workspace: string): GateConfig {
  const overrides = { ...(inputs.region ? { region: inputs.region } : {}), ...(inputs.endpoint ? { endpoint: inputs.endpoint } : {}) };
  if (inputs.inline) {
    return validateConfig(inlineDocument(inputs.inline), join(workspace, 'action inputs (function, candidate, baseline, memory, budgets)'), { overrides });
  }
  return loadConfig(resolve(workspace, inputs.config), { overrides });
}

/** Job summary, annotations, outputs and the PR comment; a failure to comment changes nothing else. */
async function publish(report: GateReport, inputs: ActionInputs, context: RunContext, reportPath: string): Promise<void> {
  try {
    await core.summary.addRaw(renderMarkdown(report, { charts: true, key: inputs.commentKey, limit: SUMMARY_LIMIT })).write();
  } catch (error) {
    core.warning(`Could not write the job summary (${errorMessage(error)}); the report is in ${reportPath}.`);
  }
  for (const fn of report.functions) {
    for (const reason of fn.reasons) {
      const title = `lambda-perf-gate: ${fn.name} ${reason.kind}`;
      if (reason.kind === 'inconclusive') core.warning(reason.message, { title });
      else if (reason.kind === 'baseline-error' || reason.kind === 'notice') core.notice(reason.message, { title });
      else core.error(reason.message, { title });
    }
  }
  for (const change of report.memoryChanges ?? []) core.notice(`${change.function}: ${change.note}`, { title: 'lambda-perf-gate: memory' });
  const first = report.functions[0];
  const recommendedVariant = first?.variants.find((v) => v.id === first.recommended?.variant);
  core.setOutput(OUTPUT.verdict, report.verdict);
  core.setOutput(OUTPUT.recommendedMemory, first?.recommended?.memory ?? '');
  core.setOutput(OUTPUT.recommendations, JSON.stringify(Object.fromEntries(report.functions.map((f) => [f.name, f.recommended]))));
  core.setOutput(OUTPUT.reportPath, reportPath);
  core.setOutput(OUTPUT.costChangePercent, recommendedVariant?.costChangePercent != null ? recommendedVariant.costChangePercent.toFixed(2) : '');
  await comment(report, inputs, context, reportPath);
}

async function comment(report: GateReport, inputs: ActionInputs, context: RunContext, reportPath: string): Promise<void> {
  const issueNumber = inputs.prNumber ?? report.github?.pullRequest ?? context.pullRequest;
  if (inputs.comment === 'never' || issueNumber === undefined) return;
  if (!inputs.githubToken) {
    core.warning(`No ${INPUT.githubToken}: no PR comment; the report is in the job summary and in ${reportPath}.`);
    return;
  }
  try {
    const octokit = getOctokit(inputs.githubToken);
    const body = (previous: CommentState | undefined): string => renderMarkdown(report, { charts: true, key: inputs.commentKey, ...(previous ? { previous } : {}) });
    const result = await upsertStickyComment(octokit, { owner: context.owner, repo: context.repo, issueNumber, key: inputs.commentKey }, body, report.verdict, inputs.comment);
    core.info(`PR comment: ${result.action}${result.url ? ` (${result.url})` : ''}`);
    if (result.url) core.setOutput(OUTPUT.commentUrl, result.url);
  } catch (error) {
    // Fork PRs get a read-only token: measure there, comment from workflow_run (see the README).
    core.warning(`Could not comment on PR #${issueNumber}: ${errorMessage(error)}. The verdict stands; the report is in the job summary and in ${reportPath}.`);
  }
}

function failIfAsked(report: GateReport, inputs: ActionInputs): void {
  const hits = failingReasons(report, inputs.failOn);
  if (hits.length) {
    core.setFailed(`lambda-perf-gate: ${report.verdict}: ${hits.map((r) => r.message).join('; ')}`);
  } else if (report.verdict === 'inconclusive') {
    core.warning(`lambda-perf-gate: inconclusive (not failing: ${INPUT.failOn} does not include inconclusive)`);
  }
}

async function applyMemory(report: GateReport, config: GateConfig, inputs: ActionInputs, context: RunContext): Promise<MemoryChange[]> {
  if (!inputs.applyMemory) return [];
  if (!context.isDefaultBranchPush) {
    core.notice(`${INPUT.applyMemory} is on, but this run is a ${context.eventName || 'local'} event on ${context.ref || 'no ref'}, not a push to the default branch: no function was changed.`);
    return [];
  }
  const client = createLambdaClient({ region: config.region, ...(config.endpoint ? { endpoint: config.endpoint } : {}) });
  const changes: MemoryChange[] = [];
  try {
    for (const [index, spec] of config.functions.entries()) {
      const result = report.functions[index];
      if (!spec.template || !result) {
        core.notice(`${spec.name}: no template (production function) named, so there is no memory to apply.`);
        continue;
      }
      changes.push(await applyRecommendedMemory(client, spec.template, result, config.endpoint));
    }
  } finally {
    client.destroy();
  }
  return changes;
}

/** The workflow_run half of the fork-safe pair: post a report file measured elsewhere. */
async function postReportFile(inputs: ActionInputs, context: RunContext, workspace: string, redactor: Redactor): Promise<void> {
  const path = resolve(workspace, inputs.reportPath);
  if (!existsSync(path)) throw new ConfigError('the action inputs', [`input ${INPUT.reportPath}: ${inputs.reportPath} does not exist; download the report artifact first`]);
  let parsed: GateReport;
  try {
    parsed = parseReport(readFileSync(path, 'utf8')) as GateReport;
  } catch (error) {
    throw new ConfigError('the action inputs', [`input ${INPUT.reportPath}: ${inputs.reportPath} ${jsonSyntaxProblem(error)}`]);
  }
  const unexpected = unexpectedText(parsed);
  if (unexpected.length) throw new ConfigError('the action inputs', [`input ${INPUT.reportPath}: ${inputs.reportPath} is not a report this action wrote: ${unexpected.slice(0, 3).join('; ')}`]);
  const report = redactor.deep(parsed);
  if (report.schemaVersion !== SCHEMA_VERSION) throw new ConfigError('the action inputs', [`input ${INPUT.reportPath}: schemaVersion ${String(report.schemaVersion)} is not one this version reads (${SCHEMA_VERSION})`]);
  const named = inputs.prNumber ?? report.github?.pullRequest;
  const octokit = inputs.githubToken ? getOctokit(inputs.githubToken) : undefined;
  const pullRequest = inputs.comment === 'never' ? undefined : await verifiedPullRequest(named, context, octokit);
  await publish(report, pullRequest === undefined ? { ...inputs, comment: 'never' } : { ...inputs, prNumber: pullRequest }, context, path);
  failIfAsked(report, inputs);
}

/** The action: inputs, the gate, then the GitHub edges. */
export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let inputs: ActionInputs | undefined;
  let service: LocalLambda | undefined;
  let registry: CleanupRegistry | undefined;
  let uninstall = (): void => undefined;
  // Everything the action writes goes through it: the report (so the comment, summary and
  // annotations drawn from it), progress lines and the failure message.
  const redactor = Redactor.fromEnvironment(env);
  try {
    inputs = readInputs((name) => core.getInput(name));
    const workspace = env.GITHUB_WORKSPACE ?? process.cwd();
    const context = readRunContext(env);
    if (inputs.mode === 'comment') {
      await postReportFile(inputs, context, workspace, redactor);
      return;
    }
    let config = loadActionConfig(inputs, workspace);
    uninstall = cleanupOnSignals(
      async (signal) => {
        core.warning(`${signal}: deleting what the run created before the job stops.`);
        for (const problem of (await registry?.runAll()) ?? []) core.warning(problem);
        await service?.stop();
      },
      () => 1,
    );
    if (inputs.backend === 'local') {
      service = await startLocalLambda({ requireAuth: true });
      config = { ...config, endpoint: service.endpoint };
    }
    const backend = await probeBackend(config.endpoint);
    checkForBackend(config, backend, inputs.inline ? 'the action inputs' : inputs.config);
    const stateFile = join(env.RUNNER_TEMP ?? tmpdir(), `lambda-perf-gate-${randomBytes(4).toString('hex')}.json`);
    core.saveState(STATE_FILE, stateFile);
    const measured = await runGate({
      config,
      backend,
      stateFile,
      // One line each: a newline in what a function said could start a workflow command.
      progress: (line) => core.info(redactor.text(line).replace(/[\r\n]+/g, ' ')),
      onCleanupRegistry: (r) => (registry = r),
      onSecret: (value) => {
        redactor.add(value);
        core.setSecret(value);
      },
    });
    const links = reportContext(env);
    let report = redactor.deep({ ...measured, ...(links ? { context: links } : {}) });
    const memoryChanges = await applyMemory(report, config, inputs, context);
    report = {
      ...report,
      github: { eventName: context.eventName, ref: context.ref, sha: context.sha, ...(context.pullRequest ? { pullRequest: context.pullRequest } : {}) },
      ...(memoryChanges.length ? { memoryChanges: redactor.deep(memoryChanges) } : {}),
    };
    const reportPath = resolve(workspace, inputs.reportPath);
    writeFileSync(reportPath, serializeReport(report));
    await publish(report, inputs, context, reportPath);
    failIfAsked(report, inputs);
  } catch (error) {
    if (error instanceof InfrastructureError && inputs && !inputs.failOn.includes('error')) {
      core.warning(redactor.text(`lambda-perf-gate: infrastructure error (not failing: ${INPUT.failOn} does not include error): ${error.message}`));
    } else {
      core.setFailed(redactor.text(`lambda-perf-gate: ${errorMessage(error)}`));
    }
  } finally {
    uninstall();
    await service?.stop();
  }
}
