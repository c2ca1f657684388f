import { parseArgs } from 'node:util';
import { ConfigError } from '../config/config-error.js';
import { checkFaultOptions, type FaultOptions } from '../local-lambda/faults.js';
import { MIN_TMP_BUDGET_MB } from '../local-lambda/host/environment-limits.js';
import { environmentCpusProblem } from '../local-lambda/host/cpu-placement.js';
import { startLocalLambda, type LocalLambda } from '../local-lambda/service.js';
import { Redactor } from '../result/redact.js';
import { inertWriter } from '../workflow-commands.js';
import { TOOL_VERSION } from '../package-root.js';
import { CLOCK_HELP, clockOption } from './clock-option.js';
import { runDemo } from './demo.js';
import { classifyFailure, EXIT } from '../session.js';
import { UsageError } from '../errors.js';
import { INIT_HELP, initCommand, parseInitArguments } from './init.js';
import { parseRunArguments, runCommand } from './run.js';
import { parseValidateArguments, VALIDATE_HELP, validateCommand } from './validate.js';

const HELP = `lambda-perf-gate: a performance and cost gate for AWS Lambda pull requests

Usage:
  lambda-perf-gate init [DIRECTORY]        write a starter lambda-perf.yml for a function
  lambda-perf-gate validate [options]      check the configuration, its files, credentials
                                           and permissions, creating nothing
  lambda-perf-gate run [options]           run the gate: deploy, measure, compare, decide
  lambda-perf-gate demo                    run the gate on the bundled example, on the
                                           embedded local Lambda service
  lambda-perf-gate local-lambda [options]  run the local Lambda service until Ctrl-C
  lambda-perf-gate --version               print the version

"lambda-perf-gate COMMAND --help" shows a command's options.
Exit codes: 0 pass, 1 fail, 2 bad configuration or usage, 3 infrastructure error, 4 a bug in
lambda-perf-gate.
`;

const RUN_HELP = `Usage: lambda-perf-gate run [options]

Deploys both builds as temporary functions, measures them side by side, compares,
decides, and deletes what it created.

Options:
  -c, --config FILE       configuration, YAML or JSON (default lambda-perf.yml)
  --json FILE             write the JSON report there
  --markdown FILE         write the markdown report (the PR comment) there
  --local                 start the embedded local Lambda service and run everything on it
                          (region may then be left out)
${CLOCK_HELP}
  --endpoint URL          any Lambda-compatible endpoint (overrides the file's)
  --region NAME           overrides the file's region and AWS_REGION
  --state-file FILE       record what the run creates, for cleanup by another process
  --fail-on LIST          what makes the exit code 1: regression, budget, inconclusive,
                          error (wrong answers, failing integration tests), or none
                          (default regression,budget,error)
  --profile MODE          when to profile both builds on the local service and name the
                          functions that got slower: on-regression (default), always, never;
                          the profiles go beside --json (or --markdown)
  -q, --quiet             no progress
  -h, --help              this help
Exit codes: 0 pass (or nothing in --fail-on found), 1 fail, 2 bad configuration or usage,
3 infrastructure error, 4 a bug in lambda-perf-gate.
`;

const DEMO_HELP = `Usage: lambda-perf-gate demo

Runs the gate on the bundled example (a baseline and a slower candidate of an order
pricer) on the embedded local Lambda service, in about a minute, and writes
lambda-perf-report.json and lambda-perf-report.md in the current directory.
`;

const LOCAL_LAMBDA_HELP = `Usage: lambda-perf-gate local-lambda [options]

Runs the embedded local Lambda service (Lambda's API on 127.0.0.1) until Ctrl-C.

Options:
  --host ADDRESS          address to bind (default 127.0.0.1)
  --port N                port (default 9001; 0 picks a free one)
  --region NAME           region in ARNs (default us-east-1)
  --idle-timeout-s N      seconds an idle environment stays warm (default 120)
  --max-environments N    environments alive at once (default 64)
${CLOCK_HELP}
  --no-cpu-throttle       wall clock: do not scale CPU with memory even where cgroups allow it
  --throttle-init         wall clock: throttle INIT by memory too (Lambda boosts on-demand INIT)
  --no-freeze             do not freeze environments between invocations
  --no-private-tmp        a TMPDIR per environment instead of a private /tmp
  --tmp-budget-mb N       MB of memory the tmpfs of all environments may take together
                          (default the host's memory, at most 16384; at least 641)
  --require-auth          answer only requests signed (SigV4) with a key made at start
                          and printed here
  --environment-cpus LIST bind every environment to these CPUs (e.g. 1 or 2-3), or all (default
                          under the model clock: the last CPU, so that compared builds share it;
                          under the wall clock: all)
  --environment-spread SD give each new environment a lasting CPU speed factor exp(N(0, SD)),
                          drawn from the fault seed (default 0; e.g. 0.04 for 4%)
  --throttle-rate R       share of API requests answered 429 (fault injection, default 0)
  --error-rate R          share of API requests answered 500 (default 0)
  --kill-rate R           share of invocations whose environment is killed (default 0)
  --update-delay-ms N     how long updates stay InProgress (default 0)
  --retry-after-ms N      Retry-After of an injected 429 (default 100)
  --log-delay-ms N        how long log events take to show in the Logs API (default 0)
  --fault-seed N          seed for the fault draws (default 1)
  -h, --help              this help
`;

const COMMAND_HELP: Readonly<Record<string, string>> = {
  init: INIT_HELP,
  validate: VALIDATE_HELP,
  run: RUN_HELP,
  demo: DEMO_HELP,
  'local-lambda': LOCAL_LAMBDA_HELP,
};

function numberOption(values: Record<string, unknown>, key: string, fallback: number): number {
  const raw = values[key];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(value)) {
    throw new UsageError(`--${key} must be a number, got "${String(raw)}"`);
  }
  return value;
}

/** How the CLI writes text: to stdout or stderr. */
type Write = (text: string) => void;

/**
 * A stream of the process as the CLI writes to it. It often runs in a workflow's `run:` step and
 * prints what functions, configurations, commands and services said: every text loses the values
 * of secret-looking environment variables, and none acts as a workflow command. The guard applies
 * on any host, not only where GITHUB_ACTIONS is set: the runner also reads a step's `docker run`,
 * `sudo` or `env -i` child, which does not inherit that variable, and act and Gitea's runner read
 * the same commands. Ordinary text passes unchanged; the guard's lines show only around a text
 * the runner would have acted on.
 */
function cliStream(stream: NodeJS.WriteStream, redactor: Redactor): Write {
  const write = inertWriter((text) => stream.write(text));
  return (text) => write(redactor.text(text));
}

/** What the service says as it starts: where it listens, its clock, its shortfalls, its key. */
function sayStarted(service: LocalLambda, out: Write): void {
  const info = service.info();
  out(`Local Lambda service listening on ${service.endpoint}\n`);
  out(`${info.clock.statement}\n`);
  // Under the model clock, memory scales the modelled time, not a quota: the clock's line says it.
  if (info.clock.kind === 'wall') out(`${info.cpuThrottling.statement}\n`);
  out(`${info.cpuPlacement.statement}\n`);
  for (const limitation of info.limitations.filter(
    (line) => ![info.cpuThrottling.statement, info.clock.statement, info.cpuPlacement.statement].includes(line),
  ))
    out(`${limitation}\n`);
  if (service.accessKey) {
    out(`Requests must be signed with this key (valid until the service stops):\n`);
    out(
      `  AWS_ACCESS_KEY_ID=${service.accessKey.accessKeyId}\n  AWS_SECRET_ACCESS_KEY=${service.accessKey.secretAccessKey}\n`,
    );
  }
  out(`${info.isolation.statement}\n`);
  out(`Use it with: aws lambda list-functions --endpoint-url ${service.endpoint}, or the SDK's endpoint option.\n`);
}

async function localLambda(args: string[], out: Write, err: Write): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      region: { type: 'string' },
      'idle-timeout-s': { type: 'string' },
      'max-environments': { type: 'string' },
      clock: { type: 'string' },
      'no-cpu-throttle': { type: 'boolean' },
      'throttle-init': { type: 'boolean' },
      'no-freeze': { type: 'boolean' },
      'no-private-tmp': { type: 'boolean' },
      'tmp-budget-mb': { type: 'string' },
      'require-auth': { type: 'boolean' },
      'environment-spread': { type: 'string' },
      'environment-cpus': { type: 'string' },
      'throttle-rate': { type: 'string' },
      'error-rate': { type: 'string' },
      'kill-rate': { type: 'string' },
      'update-delay-ms': { type: 'string' },
      'retry-after-ms': { type: 'string' },
      'log-delay-ms': { type: 'string' },
      'fault-seed': { type: 'string' },
    },
  });
  const clock = clockOption(values.clock);
  const port = numberOption(values, 'port', 9001);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be 0 to 65535, got ${port}`);
  const faults: FaultOptions = {
    throttleRate: numberOption(values, 'throttle-rate', 0),
    errorRate: numberOption(values, 'error-rate', 0),
    killRate: numberOption(values, 'kill-rate', 0),
    updateDelayMs: numberOption(values, 'update-delay-ms', 0),
    retryAfterMs: numberOption(values, 'retry-after-ms', 100),
    logDelayMs: numberOption(values, 'log-delay-ms', 0),
    seed: numberOption(values, 'fault-seed', 1),
  };
  const problems = checkFaultOptions(faults);
  if (problems.length)
    throw new UsageError(problems.map((p) => `--${p.replace(/([A-Z])/g, '-$1').toLowerCase()}`).join('\n'));
  const maxEnvironments = numberOption(values, 'max-environments', 64);
  if (!Number.isInteger(maxEnvironments) || maxEnvironments < 1)
    throw new UsageError(`--max-environments must be a whole number of at least 1, got ${maxEnvironments}`);
  const environmentSpread = numberOption(values, 'environment-spread', 0);
  if (!(environmentSpread >= 0 && environmentSpread <= 1))
    throw new UsageError(`--environment-spread must be an SD from 0 to 1 (e.g. 0.04), got ${environmentSpread}`);
  const environmentCpus = values['environment-cpus'];
  const cpusProblem = environmentCpusProblem(environmentCpus);
  if (cpusProblem) throw new UsageError(`--environment-cpus ${cpusProblem}`);
  const tmpBudgetMb = values['tmp-budget-mb'] === undefined ? undefined : numberOption(values, 'tmp-budget-mb', 0);
  if (tmpBudgetMb !== undefined && !(Number.isInteger(tmpBudgetMb) && tmpBudgetMb >= MIN_TMP_BUDGET_MB))
    throw new UsageError(`--tmp-budget-mb must be a whole number of at least ${MIN_TMP_BUDGET_MB}, got ${tmpBudgetMb}`);
  const idleTimeoutS = numberOption(values, 'idle-timeout-s', 120);
  if (!(idleTimeoutS > 0)) throw new UsageError(`--idle-timeout-s must be above 0, got ${idleTimeoutS}`);

  const service = await startLocalLambda({
    host: values.host ?? '127.0.0.1',
    port,
    ...(values.region ? { region: values.region } : {}),
    idleTimeoutMs: idleTimeoutS * 1000,
    maxEnvironments,
    ...(clock ? { clock } : {}),
    cpuThrottle: !values['no-cpu-throttle'],
    throttleInit: values['throttle-init'] === true,
    freeze: !values['no-freeze'],
    privateTmp: !values['no-private-tmp'],
    ...(tmpBudgetMb === undefined ? {} : { tmpBudgetMb }),
    environmentSpread,
    ...(environmentCpus === undefined ? {} : { environmentCpus }),
    faults,
    requireAuth: values['require-auth'] === true,
    warn: (message) => err(`${message}\n`),
  });
  sayStarted(service, out);
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  out('Stopping: retiring every execution environment...\n');
  await service.stop();
  return EXIT.pass;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const redactor = Redactor.fromEnvironment(process.env);
  const out = cliStream(process.stdout, redactor);
  const err = cliStream(process.stderr, redactor);
  try {
    const commandHelp = command === undefined ? undefined : COMMAND_HELP[command];
    if (commandHelp && rest.some((arg) => arg === '-h' || arg === '--help')) {
      out(commandHelp);
      return EXIT.pass;
    }
    switch (command) {
      case 'local-lambda':
        return await localLambda(rest, out, err);
      case 'init':
        return initCommand(parseInitArguments(rest), out);
      case 'validate':
        return await validateCommand(parseValidateArguments(rest), out);
      case 'run':
        return (await runCommand(parseRunArguments(rest), out, err)).exitCode;
      case 'demo':
        // The demo takes no options: a flag meant for run must not be silently dropped.
        parseArgs({ args: rest, options: {} });
        return await runDemo(out, err);
      case '--version':
      case '-V':
        out(`${TOOL_VERSION}\n`);
        return EXIT.pass;
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        out(HELP);
        return command === undefined ? EXIT.usage : EXIT.pass;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    const failure = classifyFailure(error);
    if (failure.kind === 'usage' && !(error instanceof ConfigError)) {
      const helpFor = command && COMMAND_HELP[command] ? `${command} --help` : '--help';
      const unknown = /^Unknown option '([^']+)'/.exec(failure.message)?.[1];
      // `-local` reads as the short options -l, -o, ... (or `-config F` as -c onfig, then F): a word
      // written with one dash that is a long option of the command is named, with its two dashes.
      const help = command ? COMMAND_HELP[command] : undefined;
      const word = help
        ? rest.find((arg) => /^-[a-z][\w-]+$/i.test(arg) && new RegExp(`-${arg}(?![\\w-])`).test(help))
        : undefined;
      const message = word
        ? `${command ?? ''}: unknown option ${word}; long options take two dashes: -${word}`
        : unknown
          ? `${command ?? ''}: unknown option ${unknown}`
          : failure.message;
      err(`lambda-perf-gate: ${message}\nRun "lambda-perf-gate ${helpFor}" for usage.\n`);
    } else {
      err(`lambda-perf-gate: ${failure.message}\n`);
    }
    return failure.exitCode;
  }
}
