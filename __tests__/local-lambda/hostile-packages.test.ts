import { CreateFunctionCommand, GetFunctionCommand, UpdateFunctionCodeCommand } from '@aws-sdk/client-lambda';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { deploy, invoke, startTestService, uniqueName, type TestService } from '../helpers/local-service.js';
import { zipBomb } from '../helpers/zip-bomb.js';

const MIB = 1024 * 1024;

let t: TestService;
beforeAll(async () => {
  t = await startTestService({ cpuThrottle: false });
});
afterAll(() => t.close());

const createWith = (zip: Buffer, name = uniqueName('bomb')) =>
  t.client.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs20.x',
      Handler: 'index.handler',
      Role: 'arn:aws:iam::000000000000:role/r',
      Code: { ZipFile: zip },
    }),
  );

const failure = (promise: Promise<unknown>): Promise<{ name?: string; message?: string }> =>
  promise.then(
    () => ({ name: 'no error' }),
    (error: { name?: string; message?: string }) => error,
  );

describe('zip bombs', () => {
  test("a 3 MB package that declares 3 GB unzipped is refused with Lambda's 250 MB message", async () => {
    const bomb = zipBomb(48, 64 * MIB);
    expect(bomb.length).toBeLessThan(4 * MIB);
    const error = await failure(createWith(bomb));
    expect(error.name).toBe('InvalidParameterValueException');
    expect(error.message).toBe('Unzipped size must be smaller than 262144000 bytes');
  }, 60_000);

  test('one that declares 1 KB per entry but inflates to 64 MB each is stopped while inflating', async () => {
    const liar = zipBomb(48, 64 * MIB, 1024);
    const name = uniqueName('liar');
    expect((await failure(createWith(liar, name))).message).toMatch(/^Could not unzip uploaded file/);
    const existing = await deploy(t.client, { 'index.js': 'exports.handler = async () => "before";' });
    const update = await failure(
      t.client.send(new UpdateFunctionCodeCommand({ FunctionName: existing, ZipFile: liar })),
    );
    expect(update.name).toBe('InvalidParameterValueException');
    expect((await invoke(t.client, existing)).json).toBe('before');
    expect((await failure(t.client.send(new GetFunctionCommand({ FunctionName: name })))).name).toBe(
      'ResourceNotFoundException',
    );
  }, 60_000);

  test('an honest package just under the limit still unpacks', async () => {
    const name = uniqueName('large');
    await createWith(zipBomb(3, 80 * MIB), name);
    expect(
      (await t.client.send(new GetFunctionCommand({ FunctionName: name }))).Configuration?.CodeSize,
    ).toBeGreaterThan(0);
  }, 60_000);
});

describe('log floods', () => {
  test('a function printing 64 MB keeps a bounded ring of its latest lines, counts the rest, and still reports', async () => {
    const name = await deploy(t.client, {
      'index.js': `exports.handler = async () => {
        const line = 'x'.repeat(2048);
        for (let i = 0; i < 32768; i++) process.stdout.write(i + ' ' + line + '\\n');
        console.log('last line');
        return 'flooded';
      };`,
    });
    const result = await invoke(t.client, name);
    expect(result.json).toBe('flooded');
    expect(result.log).toMatch(/last line/);
    const [stream] = t.service.logs.streams(`/aws/lambda/${name}`);
    expect(stream!.bytes).toBeLessThanOrEqual(8 * MIB);
    expect(stream!.dropped).toBeGreaterThan(20_000);
    expect(t.service.info().logs.dropped).toBeGreaterThanOrEqual(stream!.dropped);
    const logs = new CloudWatchLogsClient({
      region: 'us-east-1',
      endpoint: t.service.endpoint,
      credentials: t.service.accessKey!,
    });
    const events = await logs.send(
      new GetLogEventsCommand({
        logGroupName: `/aws/lambda/${name}`,
        logStreamName: stream!.name,
        startFromHead: false,
        limit: 3,
      }),
    );
    logs.destroy();
    expect(events.events?.map((e) => e.message?.split('\t')[0]).at(-1)).toMatch(/^REPORT RequestId/);
  }, 60_000);
});
