import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { validateConfig } from '../../src/config/load.js';
import type { FunctionSpec, IntegrationSpec } from '../../src/config/types.js';
import { integrationProfile } from '../../src/gate/integration.js';
import type { ArmVersion } from '../../src/lambda/deploy.js';
import { runIntegrationCommand } from '../../src/measure/integration-command.js';
import type { VariantPlan } from '../../src/model/variant.js';
import { maskedValue, Redactor } from '../../src/result/redact.js';

/** A secret none of whose characters are in the filler (x), the redaction (*) or a line break. */
const SECRET = 'sk-live-A1b2C3d4E5f6G7h8J9k0';
/** Prints the secret, then enough on the same line that a cut at 2,000 characters from the end goes through it. */
const PRINTS_IT_THEN_MORE = (secret: string): string => `printf '%s%1990s\\n' "${secret}" '' | tr ' ' x`;

describe("an integration command's output tail", () => {
  test('a secret the 2,000-character cut would go through is redacted before the cut: none of it is left', async () => {
    const redactor = new Redactor();
    const result = await runIntegrationCommand(
      `echo '::add-mask::${SECRET}'; ${PRINTS_IT_THEN_MORE(SECRET)}; exit 1`,
      tmpdir(),
      { PATH: process.env.PATH },
      30,
      (line) => {
        const value = maskedValue(line);
        if (value !== undefined) redactor.add(value);
      },
      (text) => redactor.text(text),
    );
    expect(result.exitCode).toBe(1);
    // The last 2,000 characters of the output as written, after redaction.
    expect(result.outputTail).toBe(`::***\n***${'x'.repeat(1990)}\n`);
  });

  test('a line longer than what is kept until the end is left out whole: no end of it, nor of a secret in it', async () => {
    const result = await runIntegrationCommand(
      `printf '%200000s%s\\n' '' "${SECRET}" | tr ' ' x; echo after`,
      tmpdir(),
      { PATH: process.env.PATH },
      30,
    );
    expect(result.outputTail).toBe('[a line too long to keep]\nafter\n');
  });

  test("the profile redacts a secret variable of the command's environment before it cuts the tail", async () => {
    const root = mkdtempSync(join(tmpdir(), 'lpg-tail-'));
    const config = validateConfig(
      {
        region: 'us-east-1',
        functions: [
          {
            name: 'orders',
            runtime: 'nodejs20.x',
            handler: 'index.handler',
            baseline: '.',
            candidate: '.',
            exemplars: [{ name: 'home', event: {} }],
            integration: {
              command: `${PRINTS_IT_THEN_MORE('$ORDERS_API_TOKEN')}; exit 1`,
              environment: { ORDERS_API_TOKEN: SECRET },
              'max-log-wait-s': 0,
            },
          },
        ],
      },
      join(root, 'lambda-perf.yml'),
    );
    const spec = config.functions[0] as FunctionSpec & { integration: IntegrationSpec };
    const variant: VariantPlan = {
      id: '1769MB-x86_64',
      memoryMb: 1769,
      architecture: 'x86_64',
      name: 'default',
      environment: {},
      snapStart: false,
    };
    const arm = (build: 'baseline' | 'candidate'): ArmVersion => ({
      functionName: `lpg-orders-${build}`,
      build,
      variant,
      qualifier: '1',
      functionArn: `arn:aws:lambda:us-east-1:000000000000:function:lpg-orders-${build}:1`,
    });
    // No log streams: the profile's figures are not what this test is about.
    const logs = new CloudWatchLogsClient({ region: 'us-east-1' });
    logs.send = (() => Promise.resolve({})) as CloudWatchLogsClient['send'];
    const result = await integrationProfile(spec, variant, arm, {
      config,
      logs,
      local: true,
      progress: () => undefined,
    });
    expect(result.runs.map((run) => run.exitCode)).toEqual([1, 1, 1, 1]);
    for (const run of result.runs) expect(run.outputTail).toBe(`***${'x'.repeat(1990)}\n`);
  });
});
