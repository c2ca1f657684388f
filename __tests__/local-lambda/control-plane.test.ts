import { createHash } from 'node:crypto';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteAliasCommand,
  DeleteFunctionCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  ListFunctionsCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
  paginateListFunctions,
} from '@aws-sdk/client-lambda';
import {
  deploy,
  invoke,
  rawRequest,
  startTestService,
  uniqueName,
  zipOf,
  type TestService,
} from '../helpers/local-service.js';

const HANDLER = (tag: string): Record<string, string> => ({
  'index.js': `exports.handler = async () => ({ tag: '${tag}' });`,
});

let t: TestService;
beforeAll(async () => {
  t = await startTestService({ faults: { updateDelayMs: 300 }, cpuThrottle: false });
});
afterAll(() => t.close());

const expectError = async (
  promise: Promise<unknown>,
  name: string,
  status: number,
  message?: RegExp,
): Promise<void> => {
  const error = (await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  )) as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  expect(error).toBeDefined();
  expect(error?.name).toBe(name);
  expect(error?.$metadata?.httpStatusCode).toBe(status);
  if (message) expect(error?.message).toMatch(message);
};

describe('the control plane, through the real SDK', () => {
  test('a new function is Pending, then Active, and GetFunction links to the very package uploaded', async () => {
    const zip = zipOf(HANDLER('one'));
    const name = uniqueName('create');
    const created = await t.client.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Role: 'arn:aws:iam::000000000000:role/r',
        Code: { ZipFile: zip },
      }),
    );
    expect(created.State).toBe('Pending');
    expect(created.CodeSha256).toBe(createHash('sha256').update(zip).digest('base64'));
    expect(created.FunctionArn).toBe(`arn:aws:lambda:us-east-1:000000000000:function:${name}`);
    expect(created.MemorySize).toBe(128);
    expect(created.Timeout).toBe(3);
    const got = await t.client.send(new GetFunctionCommand({ FunctionName: name }));
    const download = Buffer.from(await (await fetch(got.Code?.Location ?? '')).arrayBuffer());
    expect(download.equals(Buffer.from(zip))).toBe(true);
  });

  test('an update is InProgress until its delay passes, a second update meanwhile conflicts, and the waiter sees it finish', async () => {
    const name = await deploy(t.client, HANDLER('old'));
    const started = await t.client.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: name,
        MemorySize: 1024,
        Environment: { Variables: { A: '1' } },
      }),
    );
    expect(started.LastUpdateStatus).toBe('InProgress');
    expect(started.MemorySize).toBe(1024);
    await expectError(
      t.client.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: zipOf(HANDLER('new')) })),
      'ResourceConflictException',
      409,
      /update is in progress/,
    );
    await expectError(
      t.client.send(new PublishVersionCommand({ FunctionName: name })),
      'ResourceConflictException',
      409,
    );
    await waitUntilFunctionUpdatedV2({ client: t.client, maxWaitTime: 10, minDelay: 1 }, { FunctionName: name });
    const after = await t.client.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    expect(after.LastUpdateStatus).toBe('Successful');
    expect(after.Environment?.Variables).toEqual({ A: '1' });
  });

  test('invocations keep running the previous code while a code update is InProgress', async () => {
    const name = await deploy(t.client, HANDLER('before'));
    await t.client.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: zipOf(HANDLER('after')) }));
    expect((await invoke(t.client, name)).json).toEqual({ tag: 'before' });
    await waitUntilFunctionUpdatedV2({ client: t.client, maxWaitTime: 10, minDelay: 1 }, { FunctionName: name });
    expect((await invoke(t.client, name)).json).toEqual({ tag: 'after' });
  });

  test('versions and aliases resolve to the code they were published with', async () => {
    const name = await deploy(t.client, HANDLER('v1'));
    const v1 = await t.client.send(new PublishVersionCommand({ FunctionName: name, Description: 'first' }));
    expect(v1.Version).toBe('1');
    expect(v1.FunctionArn).toBe(`arn:aws:lambda:us-east-1:000000000000:function:${name}:1`);
    const again = await t.client.send(new PublishVersionCommand({ FunctionName: name }));
    expect(again.Version).toBe('1');
    await t.client.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: zipOf(HANDLER('v2')) }));
    await waitUntilFunctionUpdatedV2({ client: t.client, maxWaitTime: 10, minDelay: 1 }, { FunctionName: name });
    const v2 = await t.client.send(new PublishVersionCommand({ FunctionName: name }));
    expect(v2.Version).toBe('2');
    const alias = await t.client.send(
      new CreateAliasCommand({ FunctionName: name, Name: 'live', FunctionVersion: '1' }),
    );
    expect(alias.AliasArn).toBe(`arn:aws:lambda:us-east-1:000000000000:function:${name}:live`);

    expect((await invoke(t.client, name, {}, '1')).json).toEqual({ tag: 'v1' });
    expect((await invoke(t.client, name, {}, '2')).json).toEqual({ tag: 'v2' });
    expect((await invoke(t.client, name, {}, '$LATEST')).json).toEqual({ tag: 'v2' });
    const viaAlias = await invoke(t.client, name, {}, 'live');
    expect(viaAlias.json).toEqual({ tag: 'v1' });
    expect(viaAlias.output.ExecutedVersion).toBe('1');
    expect((await invoke(t.client, `arn:aws:lambda:us-east-1:000000000000:function:${name}:2`)).json).toEqual({
      tag: 'v2',
    });

    const versions = await t.client.send(new ListVersionsByFunctionCommand({ FunctionName: name }));
    expect(versions.Versions?.map((v) => v.Version)).toEqual(['$LATEST', '1', '2']);

    await expectError(
      t.client.send(new DeleteFunctionCommand({ FunctionName: name, Qualifier: '1' })),
      'ResourceConflictException',
      409,
      /aliases reference it: \[live\]/,
    );
    const current = await t.client.send(new GetAliasCommand({ FunctionName: name, Name: 'live' }));
    await expectError(
      t.client.send(
        new UpdateAliasCommand({ FunctionName: name, Name: 'live', FunctionVersion: '2', RevisionId: 'stale' }),
      ),
      'PreconditionFailedException',
      412,
    );
    await t.client.send(
      new UpdateAliasCommand({
        FunctionName: name,
        Name: 'live',
        FunctionVersion: '2',
        RevisionId: current.RevisionId,
      }),
    );
    expect((await invoke(t.client, name, {}, 'live')).json).toEqual({ tag: 'v2' });
    await t.client.send(new DeleteFunctionCommand({ FunctionName: name, Qualifier: '1' }));
    await expectError(invoke(t.client, name, {}, '1'), 'ResourceNotFoundException', 404);
    await t.client.send(new DeleteAliasCommand({ FunctionName: name, Name: 'live' }));
    await expectError(
      t.client.send(new GetAliasCommand({ FunctionName: name, Name: 'live' })),
      'ResourceNotFoundException',
      404,
    );
  });

  test('PublishVersion honours CodeSha256 and RevisionId', async () => {
    const name = await deploy(t.client, HANDLER('x'));
    const config = await t.client.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    await expectError(
      t.client.send(new PublishVersionCommand({ FunctionName: name, CodeSha256: 'AAAA' })),
      'InvalidParameterValueException',
      400,
      /CodeSHA256/,
    );
    await expectError(
      t.client.send(new PublishVersionCommand({ FunctionName: name, RevisionId: 'not-it' })),
      'PreconditionFailedException',
      412,
    );
    const published = await t.client.send(
      new PublishVersionCommand({ FunctionName: name, CodeSha256: config.CodeSha256, RevisionId: config.RevisionId }),
    );
    expect(published.Version).toBe('1');
  });

  test('ListFunctions pages with Marker and MaxItems', async () => {
    const names = [];
    for (let i = 0; i < 3; i++)
      names.push(await deploy(t.client, HANDLER(`p${i}`), { FunctionName: uniqueName('page') }));
    const first = await t.client.send(new ListFunctionsCommand({ MaxItems: 2 }));
    expect(first.Functions).toHaveLength(2);
    expect(first.NextMarker).toBeDefined();
    const seen: string[] = [];
    for await (const page of paginateListFunctions({ client: t.client, pageSize: 2 }, {}))
      seen.push(...(page.Functions ?? []).map((f) => f.FunctionName ?? ''));
    for (const name of names) expect(seen).toContain(name);
    expect(new Set(seen).size).toBe(seen.length);
  });

  test('DeleteFunction removes the function and its environments', async () => {
    const name = await deploy(t.client, HANDLER('gone'));
    await invoke(t.client, name);
    await t.client.send(new DeleteFunctionCommand({ FunctionName: name }));
    await expectError(
      t.client.send(new GetFunctionCommand({ FunctionName: name })),
      'ResourceNotFoundException',
      404,
      /Function not found/,
    );
  });
});

describe("bad input gets Lambda's error, never a crash", () => {
  const create = (overrides: Record<string, unknown>) =>
    t.client.send(
      new CreateFunctionCommand({
        FunctionName: uniqueName('bad'),
        Runtime: 'nodejs20.x',
        Handler: 'index.handler',
        Role: 'arn:aws:iam::000000000000:role/r',
        Code: { ZipFile: zipOf(HANDLER('x')) },
        ...overrides,
      } as never),
    );

  test.each([
    ['an unsupported runtime', { Runtime: 'java21' }, 'InvalidParameterValueException', 400, /java21 is not supported/],
    ['memory below 128 MB', { MemorySize: 64 }, 'ValidationException', 400, /greater than or equal to 128/],
    ['memory above 10240 MB', { MemorySize: 10241 }, 'ValidationException', 400, /less than or equal to 10240/],
    ['a timeout of 0', { Timeout: 0 }, 'ValidationException', 400, /greater than or equal to 1/],
    ['a timeout above 900 s', { Timeout: 901 }, 'ValidationException', 400, /less than or equal to 900/],
    [
      'a package that is not a zip',
      { Code: { ZipFile: Buffer.from('not a zip at all') } },
      'InvalidParameterValueException',
      400,
      /Could not unzip/,
    ],
    [
      'a reserved environment variable',
      { Environment: { Variables: { AWS_REGION: 'x' } } },
      'InvalidParameterValueException',
      400,
      /Reserved keys used in this request: AWS_REGION/,
    ],
    [
      "variables over Lambda's 4 KB in all",
      { Environment: { Variables: { FIRST: 'x'.repeat(2048), SECOND: 'y'.repeat(2048) } } },
      'InvalidParameterValueException',
      400,
      /exceeded the 4KB limit\. Size measured: 4107 bytes/,
    ],
    [
      'a variable name that is not a shell name',
      { Environment: { Variables: { 'BAD-NAME': 'x' } } },
      'ValidationException',
      400,
      /Map keys must satisfy constraint/,
    ],
    [
      'a zip entry escaping the package',
      { Code: { ZipFile: zipOf({ '../evil.js': 'x' }) } },
      'InvalidParameterValueException',
      400,
      /Could not unzip/,
    ],
  ])('%s', async (_label, overrides, name, status, message) => {
    await expectError(create(overrides), name, status, message);
  });

  test('UpdateFunctionConfiguration refuses a 3 MB variable as Lambda does, and the function keeps its variables', async () => {
    const name = await deploy(t.client, HANDLER('kept'), { Environment: { Variables: { KEPT: 'yes' } } });
    await expectError(
      t.client.send(
        new UpdateFunctionConfigurationCommand({
          FunctionName: name,
          Environment: { Variables: { HUGE: 'x'.repeat(3 * 1024 * 1024) } },
        }),
      ),
      'InvalidParameterValueException',
      400,
      /exceeded the 4KB limit/,
    );
    const after = await t.client.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    expect(after.Environment?.Variables).toEqual({ KEPT: 'yes' });
  });

  test('an unknown function is ResourceNotFoundException with its ARN', async () => {
    await expectError(
      t.client.send(new GetFunctionConfigurationCommand({ FunctionName: 'no-such-function' })),
      'ResourceNotFoundException',
      404,
      /function:no-such-function/,
    );
  });

  test('creating a function twice conflicts', async () => {
    const name = await deploy(t.client, HANDLER('dup'));
    await expectError(create({ FunctionName: name }), 'ResourceConflictException', 409, /already exist/);
  });

  test("malformed JSON and unknown operations get Lambda's error shape over raw HTTP", async () => {
    const bad = await rawRequest(t.service, {
      method: 'POST',
      path: '/2015-03-31/functions',
      headers: { 'content-type': 'application/json' },
      body: '{"FunctionName": ',
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('x-amzn-errortype')).toMatch(/^InvalidRequestContentException/);
    expect(await bad.json()).toMatchObject({ Type: 'User' });
    const unknown = await rawRequest(t.service, { path: '/2015-03-31/event-source-mappings' });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('x-amzn-errortype')).toMatch(/^UnknownOperationException/);
    const stillServing = await rawRequest(t.service, { path: '/local/info' });
    expect(stillServing.status).toBe(200);
  });
});
