import { GetFunctionCommand, type CreateFunctionCommandInput, type LambdaClient } from '@aws-sdk/client-lambda';
import type { FunctionSpec } from '../../src/config/types.js';
import { PerfFunctionDeployer, separatePlans } from '../../src/lambda/deploy.js';
import { DEFAULT_RETRY } from '../../src/lambda/retry.js';
import { variantPlan } from '../helpers/analysis-fixture.js';
import { deploy, startTestService, zipOf, type TestService } from '../helpers/local-service.js';
import { classifyFailure } from '../../src/session.js';

const HANDLER = { 'index.js': 'exports.handler = async () => "ok";' };
const CREATE_ONLY: Pick<CreateFunctionCommandInput, 'TenancyConfig' | 'DurableConfig' | 'CapacityProviderConfig'> = {
  TenancyConfig: { TenantIsolationMode: 'PER_TENANT' },
  DurableConfig: { ExecutionTimeout: 3600, RetentionPeriodInDays: 7 },
  CapacityProviderConfig: {
    LambdaManagedInstancesCapacityProviderConfig: {
      CapacityProviderArn: 'arn:aws:lambda:us-east-1:000000000000:capacity-provider:perf',
      PerExecutionEnvironmentMaxConcurrency: 8,
    },
  },
};

// A template copy (the perf functions) must be the same kind of function as the template: these
// settings can only be given at CreateFunction, so a copy without them would be another kind.
describe('a template copy keeps the create-time settings', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(() => svc.close());

  test('TenancyConfig, DurableConfig and CapacityProviderConfig travel from the template to every perf function', async () => {
    const template = await deploy(svc.client, HANDLER, CREATE_ONLY);
    const deployer = new PerfFunctionDeployer({
      client: svc.client,
      retry: DEFAULT_RETRY,
      endpoint: svc.service.endpoint,
      onRetry: () => undefined,
      progress: () => undefined,
    });
    const managedInstances = { instanceType: 'c7i.xlarge', instances: 2 };
    const base = await deployer.baseSettings({
      name: 'orders',
      template,
      environment: {},
      managedInstances,
    } as unknown as FunctionSpec);
    expect(base.extra).toMatchObject(CREATE_ONLY);

    const variant = variantPlan(512);
    const zip = { zip: Buffer.from(zipOf(HANDLER)) };
    const created = await deployer.createFunctions(
      base,
      separatePlans('perf-template-copy', { baseline: zip, candidate: zip }, [variant]),
      () => undefined,
    );
    for (const fn of created) {
      const { Configuration } = await svc.client.send(new GetFunctionCommand({ FunctionName: fn.name }));
      expect(Configuration).toMatchObject(CREATE_ONLY);
      const published = await deployer.publish(fn, base, 'pair-1');
      const version = await svc.client.send(
        new GetFunctionCommand({ FunctionName: fn.name, Qualifier: published.qualifier }),
      );
      expect(version.Configuration).toMatchObject(CREATE_ONLY);
    }
  });

  test('a Managed Instances template without managed-instances in the configuration is refused before anything is created, saying what to set', async () => {
    const template = await deploy(svc.client, HANDLER, CREATE_ONLY);
    const deployer = new PerfFunctionDeployer({
      client: svc.client,
      retry: DEFAULT_RETRY,
      onRetry: () => undefined,
      progress: () => undefined,
    });
    const refusal = deployer
      .baseSettings({ name: 'orders', template, environment: {} } as unknown as FunctionSpec)
      .catch((error: unknown) => error);
    await expect(refusal).resolves.toThrow(
      /orders: the template .* runs on Lambda Managed Instances \(arn:aws:lambda:us-east-1:000000000000:capacity-provider:perf\).*set managed-instances.instance-type/,
    );
    // The configuration's mistake (exit 2), not a failure of the platform or a bug of ours.
    expect(classifyFailure(await refusal).kind).toBe('usage');
  });

  test('a template without them gives copies without them', async () => {
    const template = await deploy(svc.client, HANDLER);
    const deployer = new PerfFunctionDeployer({
      client: svc.client,
      retry: DEFAULT_RETRY,
      onRetry: () => undefined,
      progress: () => undefined,
    });
    const base = await deployer.baseSettings({ template, environment: {} } as unknown as FunctionSpec);
    expect(base.extra.TenancyConfig).toBeUndefined();
    expect(base.extra.DurableConfig).toBeUndefined();
    expect(base.extra.CapacityProviderConfig).toBeUndefined();
    const { Configuration } = await svc.client.send(new GetFunctionCommand({ FunctionName: template }));
    expect(Configuration?.TenancyConfig).toBeUndefined();
    expect(Configuration?.CapacityProviderConfig).toBeUndefined();
  });

  test('the template is the production function: its memory now is kept for the report, and an answer without one leaves it unknown', async () => {
    const template = await deploy(svc.client, HANDLER, { MemorySize: 640 });
    const deployer = new PerfFunctionDeployer({
      client: svc.client,
      retry: DEFAULT_RETRY,
      onRetry: () => undefined,
      progress: () => undefined,
    });
    const spec = { name: 'orders', template, environment: {} } as unknown as FunctionSpec;
    expect((await deployer.baseSettings(spec)).production).toEqual({ function: template, memoryMb: 640 });
    const silent = new PerfFunctionDeployer({
      client: {
        send: async () => ({ Runtime: 'nodejs20.x', Handler: 'index.handler', Role: 'arn:aws:iam::1:role/r' }),
      } as unknown as LambdaClient,
      retry: DEFAULT_RETRY,
      onRetry: () => undefined,
      progress: () => undefined,
    });
    expect((await silent.baseSettings(spec)).production).toEqual({ function: template });
  });
});
