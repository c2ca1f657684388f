import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.js';
import { cleanupOnSignals, type CleanupRegistry } from '../gate/cleanup.js';
import { checkForBackend, probeBackend } from '../gate/backend.js';
import { runGate } from '../gate/run-gate.js';
import { reportContext } from '../github/run-links.js';
import { startLocalLambda, type LocalLambda } from '../local-lambda/service.js';
import { DEFAULT_FAIL_ON, failingReasons, parseFailOn, type FailOn } from '../report/fail-on.js';
import { serializeReport } from '../report/json.js';
import { renderMarkdown } from '../report/markdown.js';
import type { GateReport } from '../report/model.js';
import { Redactor } from '../report/redact.js';
import { renderTerminal } from '../report/terminal.js';

export const EXIT = { pass: 0, fail: 1, usage: 2, infrastructure: 3 } as const;

export class UsageError extends Error {}

export interface RunArguments {
  readonly config: string;
  readonly json?: string;
  readonly markdown?: string;
  readonly local: boolean;
  readonly endpoint?: string;
  readonly region?: string;
  readonly stateFile?: string;
  readonly failOn: readonly FailOn[];
  readonly quiet: boolean;
}

export function parseRunArguments(args: string[]): RunArguments {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string', short: 'c' },
      json: { type: 'string' },
      markdown: { type: 'string' },
      local: { type: 'boolean' },
      endpoint: { type: 'string' },
      region: { type: 'string' },
      'state-file': { type: 'string' },
      'fail-on': { type: 'string' },
      quiet: { type: 'boolean', short: 'q' },
    },
  });
  if (values.local && values.endpoint) throw new UsageError('--local and --endpoint exclude each other: --local starts its own endpoint');
  const { failOn, problems } = parseFailOn(values['fail-on'] ?? DEFAULT_FAIL_ON.join(','));
  if (problems.length) throw new UsageError(`--fail-on: ${problems.join('; ')}`);
  return {
    config: values.config ?? 'lambda-perf.yml',
    ...(values.json ? { json: values.json } : {}),
    ...(values.markdown ? { markdown: values.markdown } : {}),
    local: values.local ?? false,
    ...(values.endpoint ? { endpoint: values.endpoint } : {}),
    ...(values.region ? { region: values.region } : {}),
    ...(values['state-file'] ? { stateFile: values['state-file'] } : {}),
    failOn,
    quiet: values.quiet ?? false,
  };
}

export interface RunOutcome {
  readonly report: GateReport;
  readonly exitCode: number;
}

/** `lambda-perf-gate run`: the gate from a terminal, against AWS, an endpoint, or the embedded service. */
export async function runCommand(args: RunArguments, out: (text: string) => void = (t) => process.stdout.write(t), err: (text: string) => void = (t) => process.stderr.write(t)): Promise<RunOutcome> {
  // Everything written below (report files, terminal, progress) goes through it.
  const redactor = Redactor.fromEnvironment(process.env);
  const config = loadConfig(args.config, { overrides: { ...(args.region ? { region: args.region } : {}), ...(args.endpoint ? { endpoint: args.endpoint } : {}) } });
  let service: LocalLambda | undefined;
  let registry: CleanupRegistry | undefined;
  const uninstall = cleanupOnSignals(
    async (signal) => {
      err(`\n${signal}: deleting what the run created...\n`);
      for (const problem of (await registry?.runAll()) ?? []) err(`cleanup: ${problem}\n`);
      await service?.stop();
    },
    (signal) => (signal === 'SIGINT' ? 130 : 143),
  );
  try {
    let effective = config;
    if (args.local) {
      service = await startLocalLambda({ requireAuth: true });
      effective = { ...config, endpoint: service.endpoint };
    }
    const backend = await probeBackend(effective.endpoint);
    checkForBackend(effective, backend, args.config);
    const measured = await runGate({
      config: effective,
      backend,
      ...(args.stateFile ? { stateFile: args.stateFile } : {}),
      progress: args.quiet ? () => undefined : (line) => err(`· ${redactor.text(line)}\n`),
      onCleanupRegistry: (r) => (registry = r),
      onSecret: (value) => redactor.add(value),
    });
    // Inside a workflow the CLI knows the commits and the run too.
    const links = reportContext(process.env);
    const report = redactor.deep({ ...measured, ...(links ? { context: links } : {}) });
    if (args.json) writeFileSync(args.json, serializeReport(report));
    if (args.markdown) writeFileSync(args.markdown, renderMarkdown(report));
    out(renderTerminal(report));
    const failing = failingReasons(report, args.failOn);
    const exitCode = failing.length ? EXIT.fail : EXIT.pass;
    if (report.verdict !== 'pass' && !failing.length) err(`warning: the verdict is ${report.verdict}, but nothing in --fail-on (${args.failOn.join(',') || 'none'}) applies, so the exit code is 0\n`);
    return { report, exitCode };
  } catch (error) {
    // The caller prints the message; it may quote what a function or a command said.
    if (error instanceof Error) error.message = redactor.text(error.message);
    throw error;
  } finally {
    uninstall();
    await service?.stop();
  }
}
