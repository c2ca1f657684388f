import { DescribeLogStreamsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { GetFunctionCommand, GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { parseArgs } from 'node:util';
import { checkConfigFiles } from '../config/files.js';
import { loadConfig } from '../config/load.js';
import type { GateConfig } from '../config/types.js';
import { errorMessage, UsageError } from '../errors.js';
import { perfFunctionName } from '../gate/plan.js';
import { createLambdaClient, createLogsClient } from '../lambda/client.js';
import { describeAwsError, isInfrastructureError } from '../lambda/infrastructure-error.js';
import type { ClockKind } from '../local-lambda/host/thread-times.js';
import { Redactor } from '../result/redact.js';
import { CLOCK_HELP, clockOption } from './clock-option.js';
import { endpointOption, regionOption } from './endpoint-option.js';
import { EXIT, redactError, withBackend, type ConnectedBackend } from '../session.js';

export const VALIDATE_HELP = `Usage: lambda-perf-gate validate [options]

Checks the configuration and the files it names; then, on AWS (or on the endpoint of
--endpoint or --local), the credentials and the read-only permissions the run needs:
lambda:GetFunction on the perf functions' names (lpg-NAME-*), lambda:GetFunctionConfiguration
on each template, lambda:GetFunction on a baseline given as {version} or {alias}, and the
CloudWatch Logs reads of an integration profile. It creates nothing. Exit code 0 when all is well, 2 otherwise.

Options:
  -c, --config FILE       configuration, YAML or JSON (default lambda-perf.yml)
  --local                 check against the embedded local Lambda service
${CLOCK_HELP}
  --endpoint URL          any Lambda-compatible endpoint (overrides the file's)
  --region NAME           overrides the file's region and AWS_REGION
  -h, --help              this help
`;

export interface ValidateArguments {
  readonly config: string;
  readonly local: boolean;
  /** The embedded service's clock (with --local). */
  readonly clock?: ClockKind;
  readonly endpoint?: string;
  readonly region?: string;
}

export function parseValidateArguments(args: string[]): ValidateArguments {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string', short: 'c' },
      local: { type: 'boolean' },
      clock: { type: 'string' },
      endpoint: { type: 'string' },
      region: { type: 'string' },
    },
  });
  if (values.local && values.endpoint)
    throw new UsageError('--local and --endpoint exclude each other: --local starts its own endpoint');
  const clock = clockOption(values.clock, { local: values.local === true });
  const endpoint = endpointOption(values.endpoint);
  return {
    config: values.config ?? 'lambda-perf.yml',
    local: values.local ?? false,
    ...(clock ? { clock } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(values.region ? { region: regionOption(values.region) } : {}),
  };
}

/** Read-only calls that show whether the run's credentials and permissions will do; creates nothing. */
async function accessProblems({
  config,
  backend,
  localKey,
}: ConnectedBackend): Promise<{ problems: string[]; checked: string[] }> {
  const local = backend.kind === 'local';
  const problems: string[] = [];
  const checked: string[] = [];
  const options = {
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(localKey ? { localKey } : {}),
    maxAttempts: 2,
  };
  const lambda = createLambdaClient(options);
  const logs = createLogsClient(options);
  /** `probe`: the resource is made up; being told it does not exist shows the permission is there. */
  const attempt = async (
    what: string,
    action: string,
    resource: string,
    call: () => Promise<unknown>,
    service = 'lambda',
    probe = false,
  ): Promise<boolean> => {
    try {
      await call();
      checked.push(what);
      return true;
    } catch (error) {
      const described = describeAwsError(error, action, resource, config.endpoint, service);
      if (probe && described.kind === 'not-found') {
        checked.push(what);
        return true;
      }
      problems.push(described.message);
      return false;
    }
  };
  try {
    for (const spec of config.functions) {
      // The name a perf function of this run would have: the policy's lpg-* statement must cover it.
      const perfName = perfFunctionName(spec.name, 'validate');
      const credentials = checked.length ? '' : 'credentials accepted, ';
      const reached = await attempt(
        `${credentials}lambda:GetFunction on ${perfName}`,
        'GetFunction',
        `function ${perfName}`,
        () => lambda.send(new GetFunctionCommand({ FunctionName: perfName })),
        'lambda',
        true,
      );
      if (!reached && !checked.length) return { problems, checked };
      const template = spec.template;
      if (template) {
        await attempt(
          `lambda:GetFunctionConfiguration on ${template}`,
          'GetFunctionConfiguration',
          `function ${template}`,
          () => lambda.send(new GetFunctionConfigurationCommand({ FunctionName: template })),
        );
        const baseline = spec.baseline;
        if (baseline.kind === 'version' || baseline.kind === 'alias') {
          const qualifier = baseline.kind === 'version' ? baseline.version : baseline.alias;
          await attempt(
            `lambda:GetFunction on ${template}:${qualifier}`,
            'GetFunction',
            `${template}:${qualifier}`,
            () => lambda.send(new GetFunctionCommand({ FunctionName: template, Qualifier: qualifier })),
          );
        }
      }
      if (spec.integration && !local) {
        const group = `/aws/lambda/${perfFunctionName(spec.name, 'validate')}`;
        await attempt(
          `logs:DescribeLogStreams on ${group}`,
          'DescribeLogStreams',
          group,
          () => logs.send(new DescribeLogStreamsCommand({ logGroupName: group, limit: 1 })),
          'logs',
          true,
        );
      }
    }
  } finally {
    lambda.destroy();
    logs.destroy();
  }
  return { problems, checked };
}

/**
 * `lambda-perf-gate validate`: everything that can be checked before a run without creating
 * anything. Every line it prints and every error it throws is redacted, as a run's are: they may
 * quote a configuration value or what the platform answered.
 */
export async function validateCommand(args: ValidateArguments, out: (text: string) => void): Promise<number> {
  const redactor = Redactor.fromEnvironment(process.env);
  const say = (text: string): void => out(redactor.text(text));
  try {
    return await validate(args, say);
  } catch (error) {
    throw redactError(error, redactor);
  }
}

async function validate(args: ValidateArguments, say: (text: string) => void): Promise<number> {
  const overrides = {
    ...(args.region ? { region: args.region } : {}),
    ...(args.endpoint ? { endpoint: args.endpoint } : {}),
  };
  const config = loadConfig(args.config, { overrides, local: args.local });
  checkConfigFiles(config, args.config, { local: args.local });
  try {
    const problems = await withBackend(
      { config, source: args.config, local: args.local, ...(args.clock ? { localClock: args.clock } : {}) },
      (connected) => checkAccess(connected, args.local, say),
    );
    return verdict(args.config, config, problems, say);
  } catch (error) {
    if (!isInfrastructureError(error, 'unreachable')) throw error;
    say(`problem: ${errorMessage(error)}\n`);
    return verdict(args.config, config, 1, say);
  }
}

/**
 * The last line, once every check has answered: "valid" only then, so that nothing printed after
 * it (a template that does not exist, a role the backend requires) can contradict it.
 */
function verdict(file: string, config: GateConfig, problems: number, say: (text: string) => void): number {
  if (problems) {
    say(`${file} is not valid: ${problems} problem${problems > 1 ? 's' : ''} above\n`);
    return EXIT.usage;
  }
  say(
    `${file}: the configuration and the files it names are valid (${config.functions.map((fn) => fn.name).join(', ')})\n`,
  );
  return EXIT.pass;
}

/** Says what the read-only calls showed; the number of problems they found. */
async function checkAccess(connected: ConnectedBackend, local: boolean, say: (text: string) => void): Promise<number> {
  const { config, backend } = connected;
  const where = local ? 'the embedded local Lambda service' : config.endpoint || `AWS (${config.region})`;
  const access = await accessProblems(connected);
  for (const line of access.checked) say(`ok: ${line} (${where})\n`);
  for (const line of access.problems) say(`problem: ${line}\n`);
  if (backend.kind !== 'local') {
    say(
      'not checked, as checking would create something: lambda:CreateFunction, UpdateFunctionConfiguration, PublishVersion, DeleteFunction, and iam:PassRole on the role\n',
    );
  }
  return access.problems.length;
}
