import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { PROFILE_MODES } from '../config/schema.js';
import type { ProfileMode } from '../config/types.js';
import { loadConfig } from '../config/load.js';
import { reportContext } from '../github/run-links.js';
import { DEFAULT_FAIL_ON, FAIL_ON, failingFindings, parseFailOn, type FailOn } from '../result/fail-on.js';
import { serializeReport } from '../report/json.js';
import { renderMarkdown } from '../report/markdown.js';
import type { GateReport } from '../result/model.js';
import { Redactor } from '../result/redact.js';
import { renderTerminal } from '../report/terminal.js';
import { EXIT, runSession } from '../session.js';
import { UsageError } from '../errors.js';
import { unwritable, writeOutput } from '../output-files.js';
import type { ClockKind } from '../local-lambda/host/thread-times.js';
import { clockOption } from './clock-option.js';
import { endpointOption, regionOption } from './endpoint-option.js';
import { ProgressLine, type ProgressStream } from './progress.js';

export interface RunArguments {
  readonly config: string;
  readonly json?: string;
  readonly markdown?: string;
  readonly local: boolean;
  /** The embedded service's clock (with --local). */
  readonly clock?: ClockKind;
  readonly endpoint?: string;
  readonly region?: string;
  readonly stateFile?: string;
  readonly failOn: readonly FailOn[];
  readonly quiet: boolean;
  /** Overrides the configuration's `profile`. */
  readonly profile?: ProfileMode;
}

export function parseRunArguments(args: string[]): RunArguments {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string', short: 'c' },
      json: { type: 'string' },
      markdown: { type: 'string' },
      local: { type: 'boolean' },
      clock: { type: 'string' },
      endpoint: { type: 'string' },
      region: { type: 'string' },
      'state-file': { type: 'string' },
      'fail-on': { type: 'string' },
      quiet: { type: 'boolean', short: 'q' },
      profile: { type: 'string' },
    },
  });
  if (values.local && values.endpoint)
    throw new UsageError('--local and --endpoint exclude each other: --local starts its own endpoint');
  if (values['fail-on'] !== undefined && values['fail-on'].trim() === '') {
    throw new UsageError(`--fail-on is empty; give some of ${FAIL_ON.join(', ')}, or none to never fail`);
  }
  const clock = clockOption(values.clock, { local: values.local === true });
  const endpoint = endpointOption(values.endpoint);
  const { failOn, problems } = parseFailOn(values['fail-on'] ?? DEFAULT_FAIL_ON.join(','));
  if (problems.length) throw new UsageError(`--fail-on: ${problems.join('; ')}`);
  const profile = values.profile;
  if (profile !== undefined && !(PROFILE_MODES as readonly string[]).includes(profile))
    throw new UsageError(`--profile ${JSON.stringify(profile)}: give one of ${PROFILE_MODES.join(', ')}`);
  for (const flag of ['json', 'markdown', 'state-file'] as const) {
    if (values[flag] === '') throw new UsageError(`--${flag} is empty; give a file name`);
  }
  return {
    config: values.config ?? 'lambda-perf.yml',
    ...(values.json ? { json: values.json } : {}),
    ...(values.markdown ? { markdown: values.markdown } : {}),
    local: values.local ?? false,
    ...(clock ? { clock } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(values.region ? { region: regionOption(values.region) } : {}),
    ...(values['state-file'] ? { stateFile: values['state-file'] } : {}),
    failOn,
    quiet: values.quiet ?? false,
    ...(profile ? { profile: profile as ProfileMode } : {}),
  };
}

export interface RunOutcome {
  readonly report: GateReport;
  readonly exitCode: number;
  /** Where the report files went: the paths asked for, or the fallbacks used when those failed. */
  readonly written: { readonly json?: string; readonly markdown?: string };
}

/**
 * `lambda-perf-gate run`: the gate from a terminal, against AWS, an endpoint, or the embedded
 * service. `out` and `err` are the process's streams as the CLI guards them (main.ts).
 */
export async function runCommand(
  args: RunArguments,
  out: (text: string) => void,
  err: (text: string) => void,
  progressStream: ProgressStream = { isTTY: process.stderr.isTTY, columns: process.stderr.columns, write: err },
): Promise<RunOutcome> {
  // Opened before anything is deployed (also the demo's), so that a path does not lose a measurement.
  for (const [flag, path] of [
    ['json', args.json],
    ['markdown', args.markdown],
    ['state-file', args.stateFile],
  ] as const) {
    const problem = path === undefined ? undefined : unwritable(path);
    if (problem) throw new UsageError(`--${flag} ${path}: ${problem}`);
  }
  // Everything written below (report files, terminal, progress) goes through it.
  const redactor = Redactor.fromEnvironment(process.env);
  const config = loadConfig(args.config, {
    overrides: {
      ...(args.region ? { region: args.region } : {}),
      ...(args.endpoint ? { endpoint: args.endpoint } : {}),
      ...(args.profile ? { profile: args.profile } : {}),
    },
    local: args.local,
  });
  const progressLine = new ProgressLine(progressStream);
  let measured: GateReport;
  try {
    ({ report: measured } = await runSession({
      config,
      source: args.config,
      local: args.local,
      ...(args.clock ? { localClock: args.clock } : {}),
      redactor,
      ...(args.stateFile ? { stateFile: args.stateFile } : {}),
      // Beside the report: the directory of --json, else of --markdown; without either, none.
      ...(args.json || args.markdown ? { profileDirectory: dirname((args.json ?? args.markdown)!) } : {}),
      ...(args.quiet ? {} : { progress: (line: string) => progressLine.update(line) }),
      onSignal: (signal) => {
        progressLine.end();
        err(`\n${signal}: deleting what the run created...\n`);
      },
      onCleanupProblem: (problem) => err(`cleanup: ${problem}\n`),
      signalExitCode: (signal) => (signal === 'SIGINT' ? 130 : 143),
    }));
  } finally {
    progressLine.end();
  }
  // Inside a workflow the CLI knows the commits and the run too.
  const links = reportContext(process.env);
  const report = links ? { ...measured, context: redactor.deep(links) } : measured;
  out(renderTerminal(report));
  const warn = (message: string): void => err(`warning: ${message}\n`);
  const written = {
    ...(args.json ? { json: writeOutput(args.json, serializeReport(report), warn) } : {}),
    ...(args.markdown ? { markdown: writeOutput(args.markdown, renderMarkdown(report), warn) } : {}),
  };
  const failing = failingFindings(report, args.failOn);
  const exitCode = failing.length ? EXIT.fail : EXIT.pass;
  if (report.verdict !== 'pass' && !failing.length)
    err(
      `warning: the verdict is ${report.verdict}, but nothing in --fail-on (${args.failOn.join(',') || 'none'}) applies, so the exit code is 0\n`,
    );
  return { report, exitCode, written };
}
