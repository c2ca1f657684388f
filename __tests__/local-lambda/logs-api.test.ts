import {
  CloudWatchLogsClient,
  DescribeLogStreamsCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  paginateFilterLogEvents,
} from '@aws-sdk/client-cloudwatch-logs';
import { PublishVersionCommand } from '@aws-sdk/client-lambda';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { parseReportLines } from '../../src/lambda/report-line.js';
import { deploy, invoke, startTestService, type TestService } from '../helpers/local-service.js';
import { testIf } from '../helpers/host-needs.js';

const run = promisify(execFile);
const hasAwsCli = spawnSync('aws', ['--version']).status === 0;

let t: TestService;
let logs: CloudWatchLogsClient;
beforeAll(async () => {
  t = await startTestService({ cpuThrottle: false });
  logs = new CloudWatchLogsClient({
    region: 'us-east-1',
    endpoint: t.service.endpoint,
    credentials: t.service.accessKey!,
  });
});
afterAll(async () => {
  logs.destroy();
  await t.close();
});

describe('the CloudWatch Logs subset, through the real SDK', () => {
  test('FilterLogEvents finds every REPORT line of a version, page by page, within a time window', async () => {
    const name = await deploy(t.client, {
      'index.js': 'exports.handler = async (e) => { console.log("work", e.i); return e.i; };',
    });
    const { Version } = await t.client.send(new PublishVersionCommand({ FunctionName: name }));
    await invoke(t.client, name, { i: -1 });
    const startTime = Date.now();
    for (let i = 0; i < 30; i++) await invoke(t.client, name, { i }, Version);
    const group = `/aws/lambda/${name}`;
    const streams = await logs.send(new DescribeLogStreamsCommand({ logGroupName: group }));
    const names = (streams.logStreams ?? []).map((s) => s.logStreamName ?? '');
    expect(names).toHaveLength(2);
    const versionStreams = names.filter((n) => n.includes(`[${Version}]`));
    expect(versionStreams).toHaveLength(1);
    expect(names.some((n) => n.includes('[$LATEST]'))).toBe(true);

    const reports: string[] = [];
    for await (const page of paginateFilterLogEvents(
      { client: logs, pageSize: 7 },
      { logGroupName: group, logStreamNames: versionStreams, startTime, filterPattern: 'REPORT RequestId', limit: 7 },
    )) {
      reports.push(...(page.events ?? []).map((e) => e.message ?? ''));
    }
    expect(reports).toHaveLength(30);
    expect(parseReportLines(reports.join('\n'))).toHaveLength(30);
    const everything = await logs.send(
      new FilterLogEventsCommand({ logGroupName: group, logStreamNamePrefix: versionStreams[0] }),
    );
    expect((everything.events ?? []).filter((e) => e.message?.includes('\tINFO\twork'))).toHaveLength(30);
  });

  test('GetLogEvents reads one stream in order; unknown groups are ResourceNotFoundException', async () => {
    const name = await deploy(t.client, {
      'index.js': 'exports.handler = async () => { console.log("hello"); return 1; };',
    });
    await invoke(t.client, name);
    const group = `/aws/lambda/${name}`;
    const [stream] = (await logs.send(new DescribeLogStreamsCommand({ logGroupName: group }))).logStreams ?? [];
    const got = await logs.send(
      new GetLogEventsCommand({ logGroupName: group, logStreamName: stream!.logStreamName!, startFromHead: true }),
    );
    const messages = (got.events ?? []).map((e) => e.message ?? '');
    expect(messages[0]).toMatch(/^INIT_START/);
    expect(messages[1]).toMatch(/^START RequestId/);
    expect(messages.at(-1)).toMatch(/^REPORT RequestId/);
    await expect(logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/lambda/none' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });

  test('a delivery delay hides recent events until it passes', async () => {
    const name = await deploy(t.client, { 'index.js': 'exports.handler = async () => 1;' });
    t.service.setFaults({ logDelayMs: 400 });
    try {
      await invoke(t.client, name);
      const count = async () =>
        (
          (
            await logs.send(
              new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${name}`, filterPattern: 'REPORT' }),
            )
          ).events ?? []
        ).length;
      expect(await count()).toBe(0);
      await new Promise((r) => setTimeout(r, 500));
      expect(await count()).toBe(1);
    } finally {
      t.service.setFaults({ logDelayMs: 0 });
    }
  });

  testIf(hasAwsCli, 'the AWS CLI')('the AWS CLI reads the same logs', async () => {
    const name = await deploy(t.client, { 'index.js': 'exports.handler = async () => 1;' });
    await invoke(t.client, name);
    const env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: t.service.accessKey!.accessKeyId,
      AWS_SECRET_ACCESS_KEY: t.service.accessKey!.secretAccessKey,
      AWS_DEFAULT_REGION: 'us-east-1',
      NODE_OPTIONS: '',
    };
    const { stdout } = await run(
      'aws',
      [
        'logs',
        'filter-log-events',
        '--log-group-name',
        `/aws/lambda/${name}`,
        '--filter-pattern',
        'REPORT',
        '--endpoint-url',
        t.service.endpoint,
        '--output',
        'json',
      ],
      { env },
    );
    const events = (JSON.parse(stdout) as { events: { message: string }[] }).events;
    expect(events).toHaveLength(1);
    expect(events[0]!.message).toMatch(/^REPORT RequestId: /);
  });
});
