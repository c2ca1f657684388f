import { GetFunctionCommand, InvokeCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startLocalLambda } from '../../src/local-lambda/service.js';
import { deploy, rawRequest, startTestService, uniqueName, zipOf, type TestService } from '../helpers/local-service.js';
import { testIf } from '../helpers/host-needs.js';

const run = promisify(execFile);
const hasAwsCli = spawnSync('aws', ['--version']).status === 0;

const ECHO_CONTEXT = {
  'index.js': 'exports.handler = async (e, context) => ({ context: context.clientContext, pid: process.pid });',
};
const createBody = (name: string): string =>
  JSON.stringify({
    FunctionName: name,
    Runtime: 'nodejs20.x',
    Handler: 'index.handler',
    Role: 'arn:aws:iam::000000000000:role/r',
    Code: {
      ZipFile: Buffer.from(
        zipOf({ 'index.js': 'exports.handler = async () => require("child_process").execSync("id").toString();' }),
      ).toString('base64'),
    },
  });

let t: TestService;
beforeAll(async () => {
  t = await startTestService({ cpuThrottle: false });
});
afterAll(() => t.close());

const functionExists = (name: string): Promise<boolean> =>
  t.client.send(new GetFunctionCommand({ FunctionName: name })).then(
    () => true,
    (error: { name?: string }) => (error.name === 'ResourceNotFoundException' ? false : Promise.reject(error)),
  );

/** The AWS CLI's environment, signing with the key the service printed, one attempt per call. */
const awsCliEnvironment = (): NodeJS.ProcessEnv => ({
  ...process.env,
  AWS_ACCESS_KEY_ID: t.service.accessKey!.accessKeyId,
  AWS_SECRET_ACCESS_KEY: t.service.accessKey!.secretAccessKey,
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_MAX_ATTEMPTS: '1',
});

describe('requests a web page can make are refused (CSRF, DNS rebinding)', () => {
  test('a signed CreateFunction that carries a browser Origin gets 403 and creates nothing', async () => {
    const name = uniqueName('csrf');
    const response = await rawRequest(t.service, {
      method: 'POST',
      path: '/2015-03-31/functions',
      headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
      body: createBody(name),
    });
    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-errortype')).toMatch(/^AccessDeniedException/);
    expect(await functionExists(name)).toBe(false);
  });

  test('a foreign Host name (DNS rebinding to 127.0.0.1) gets 403 even on the info page, signed', async () => {
    const port = new URL(t.service.endpoint).port;
    for (const host of [
      `evil.example:${port}`,
      'evil.example',
      `localhost.evil.example:${port}`,
      `127.0.0.1:${Number(port) + 1}`,
    ]) {
      const response = await rawRequest(t.service, { path: '/local/info', headers: { host } });
      expect([host, response.status]).toEqual([host, 403]);
    }
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`]) {
      const response = await rawRequest(t.service, { path: '/local/info', headers: { host } });
      expect([host, response.status]).toEqual([host, 200]);
    }
  });

  test('a text/plain or form CreateFunction never runs, signed or not', async () => {
    for (const type of [
      'text/plain;charset=UTF-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      const name = uniqueName('plain');
      const response = await rawRequest(t.service, {
        method: 'POST',
        path: '/2015-03-31/functions',
        headers: { 'content-type': type },
        body: createBody(name),
      });
      expect([type, response.status]).toEqual([type, 415]);
      expect(await functionExists(name)).toBe(false);
    }
  });

  test('an Invoke whose payload says text/plain is refused; octet-stream and no type are served', async () => {
    const name = await deploy(t.client, { 'index.js': 'exports.handler = async (e) => e;' });
    const path = `/2015-03-31/functions/${name}/invocations`;
    const plain = await rawRequest(t.service, {
      method: 'POST',
      path,
      headers: { 'content-type': 'text/plain' },
      body: '{"a":1}',
    });
    expect(plain.status).toBe(415);
    const octets = await rawRequest(t.service, {
      method: 'POST',
      path,
      headers: { 'content-type': 'application/octet-stream' },
      body: '{"a":1}',
    });
    expect(octets.status).toBe(200);
    expect(await octets.json()).toEqual({ a: 1 });
    const none = await rawRequest(t.service, { method: 'POST', path, body: '{"a":2}' });
    expect(none.status).toBe(200);
  });
});

describe('--require-auth: SigV4 against the key the service made', () => {
  test('the service has a fresh key, and the clients this process builds for it sign with it', async () => {
    expect(t.service.accessKey?.accessKeyId).toMatch(/^LPGL[0-9A-F]{16}$/);
    expect(t.service.accessKey?.secretAccessKey.length).toBe(40);
    expect(t.service.info().requireAuth).toBe(true);
    const listed = await t.client.send(new ListFunctionsCommand({}));
    expect(listed.$metadata.httpStatusCode).toBe(200);
  });

  test('unsigned, wrongly signed and foreign-key requests are refused; the code URL GetFunction gave works', async () => {
    const unsigned = await rawRequest(t.service, { path: '/2015-03-31/functions', sign: false });
    expect(unsigned.status).toBe(403);
    expect(unsigned.headers.get('x-amzn-errortype')).toMatch(/^MissingAuthenticationTokenException/);
    const key = t.service.accessKey!;
    const expectRefused = async (
      credentials: { accessKeyId: string; secretAccessKey: string },
      type: string,
    ): Promise<void> => {
      const client = new LambdaClient({
        region: 'us-east-1',
        endpoint: t.service.endpoint,
        credentials,
        maxAttempts: 1,
      });
      const error = (await client.send(new ListFunctionsCommand({})).catch((caught: unknown) => caught)) as {
        name?: string;
        $metadata?: { httpStatusCode?: number };
      };
      client.destroy();
      expect(error.name).toBe(type);
      expect(error.$metadata?.httpStatusCode).toBe(403);
    };
    await expectRefused(
      { accessKeyId: key.accessKeyId, secretAccessKey: `${key.secretAccessKey}x` },
      'InvalidSignatureException',
    );
    await expectRefused(
      { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: key.secretAccessKey },
      'UnrecognizedClientException',
    );
    // A signature is for one request: the same headers on another path do not pass.
    const signed = await rawRequest(t.service, { path: '/2015-03-31/functions' });
    expect(signed.status).toBe(200);

    const name = await deploy(t.client, { 'index.js': 'exports.handler = async () => 1;' });
    const location = (await t.client.send(new GetFunctionCommand({ FunctionName: name }))).Code?.Location ?? '';
    expect((await fetch(location)).status).toBe(200);
    expect((await fetch(location.replace(/token=[0-9a-f]+/, 'token=00'))).status).toBe(403);
    expect((await fetch(location.replace(/\?token=.*$/, ''))).status).toBe(403);
  });

  test('the CloudWatch Logs client signs for "logs" and is verified too', async () => {
    const logs = new CloudWatchLogsClient({
      region: 'us-east-1',
      endpoint: t.service.endpoint,
      credentials: t.service.accessKey!,
      maxAttempts: 1,
    });
    const groups = await logs.send(new DescribeLogGroupsCommand({}));
    logs.destroy();
    expect(groups.$metadata.httpStatusCode).toBe(200);
  });

  test.each([
    [
      'another region',
      '/2015-03-31/functions',
      { region: 'eu-west-1' },
      /valid region: this service answers for us-east-1, not "eu-west-1"/,
    ],
    [
      '"logs", for a Lambda operation',
      '/2015-03-31/functions',
      { service: 'logs' as const },
      /correct service: 'lambda', not "logs"/,
    ],
  ])('a signature with the right key scoped to %s is refused', async (_what, path, scope, message) => {
    const response = await rawRequest(t.service, { path, ...scope });
    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-errortype')).toMatch(/^InvalidSignatureException/);
    expect(((await response.json()) as { message: string }).message).toMatch(message);
    expect((await rawRequest(t.service, { path })).status).toBe(200);
  });

  test("/local/info, which names functions and environments, is for the key's holder only", async () => {
    const unsigned = await rawRequest(t.service, { path: '/local/info', sign: false });
    expect(unsigned.status).toBe(403);
    expect(unsigned.headers.get('x-amzn-errortype')).toMatch(/^MissingAuthenticationTokenException/);
    expect(await unsigned.text()).not.toMatch(/liveEnvironments|functions/);
    const signed = await rawRequest(t.service, { path: '/local/info' });
    expect(signed.status).toBe(200);
    expect(((await signed.json()) as { requireAuth: boolean }).requireAuth).toBe(true);
  });

  test('a CloudWatch Logs operation signed for "lambda" is refused', async () => {
    const describe = (service: 'lambda' | 'logs') =>
      rawRequest(t.service, {
        method: 'POST',
        path: '/',
        service,
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Logs_20140328.DescribeLogGroups' },
        body: '{}',
      });
    const refused = await describe('lambda');
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { message: string }).message).toMatch(/correct service: 'logs', not "lambda"/);
    expect((await describe('logs')).status).toBe(200);
  });

  test('UNSIGNED-PAYLOAD is refused for a request with a body (it could be swapped after signing), and accepted without one', async () => {
    const unsigned = { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' };
    const withBody = await rawRequest(t.service, {
      method: 'POST',
      path: '/2015-03-31/functions/no-such-function/invocations',
      headers: { ...unsigned, 'content-type': 'application/json' },
      body: '{"swapped":true}',
    });
    expect(withBody.status).toBe(403);
    expect(withBody.headers.get('x-amzn-errortype')).toMatch(/^InvalidSignatureException/);
    expect(await withBody.text()).toMatch(/UNSIGNED-PAYLOAD is refused for a request with a body/);
    expect((await rawRequest(t.service, { path: '/2015-03-31/functions', headers: unsigned })).status).toBe(200);
  });

  testIf(hasAwsCli, 'the AWS CLI')(
    'the AWS CLI signs with the printed key and is served; with another secret it is refused',
    async () => {
      const env = awsCliEnvironment();
      const aws = (environment: NodeJS.ProcessEnv, ...args: string[]) =>
        run('aws', [...args, '--endpoint-url', t.service.endpoint, '--output', 'json'], { env: environment });
      const name = await deploy(t.client, { 'index.js': 'exports.handler = async () => 1;' });
      const listed = JSON.parse((await aws(env, 'lambda', 'list-functions', '--max-items', '500')).stdout) as {
        Functions: { FunctionName: string }[];
      };
      expect(listed.Functions.map((f) => f.FunctionName)).toContain(name);
      const refused = await aws({ ...env, AWS_SECRET_ACCESS_KEY: 'not-the-secret' }, 'lambda', 'list-functions').then(
        () => '',
        (error: { stderr: string }) => error.stderr,
      );
      expect(refused).toMatch(/InvalidSignatureException/);
    },
    60_000,
  );

  test('a service bound beyond loopback says so loudly', async () => {
    const warnings: string[] = [];
    const open = await startLocalLambda({
      host: '0.0.0.0',
      cpuThrottle: false,
      warn: (message) => warnings.push(message),
    });
    await open.stop();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^WARNING: .*listening on http:\/\/0\.0\.0\.0:\d+, beyond this machine's loopback.*--require-auth is off/,
    );
    const quiet: string[] = [];
    const loopback = await startLocalLambda({ cpuThrottle: false, warn: (message) => quiet.push(message) });
    await loopback.stop();
    expect(quiet).toEqual([]);
  });
});

describe('nothing a client sends crashes the service', () => {
  const context = Buffer.from(JSON.stringify({ c: '€ 𝄞 ü' })).toString('base64');

  test('a ClientContext above U+00FF reaches a cold and then a warm environment intact, through the SDK', async () => {
    const name = await deploy(t.client, ECHO_CONTEXT);
    const pids = new Set<number>();
    for (let i = 0; i < 2; i++) {
      const output = await t.client.send(
        new InvokeCommand({ FunctionName: name, ClientContext: context, Payload: Buffer.from('{}') }),
      );
      expect(output.FunctionError).toBeUndefined();
      const body = JSON.parse(Buffer.from(output.Payload ?? []).toString('utf8')) as { context: unknown; pid: number };
      expect(body.context).toEqual({ c: '€ 𝄞 ü' });
      pids.add(body.pid);
    }
    expect(pids.size).toBe(1);
  });

  testIf(hasAwsCli, 'the AWS CLI')(
    'aws lambda invoke --client-context {"c":"€"} on a cold and a warm environment',
    async () => {
      const env = awsCliEnvironment();
      const name = await deploy(t.client, ECHO_CONTEXT);
      const work = mkdtempSync(join(tmpdir(), 'lpg-context-'));
      try {
        for (let i = 0; i < 2; i++) {
          const out = join(work, `out-${i}.json`);
          const args = [
            'lambda',
            'invoke',
            '--function-name',
            name,
            '--client-context',
            Buffer.from('{"c":"€"}').toString('base64'),
            out,
            '--endpoint-url',
            t.service.endpoint,
          ];
          const result = JSON.parse((await run('aws', args, { env })).stdout) as {
            StatusCode: number;
            FunctionError?: string;
          };
          expect(result).toEqual({ StatusCode: 200, ExecutedVersion: '$LATEST' });
          expect((JSON.parse(readFileSync(out, 'utf8')) as { context: unknown }).context).toEqual({ c: '€' });
        }
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    },
    60_000,
  );

  test('a ClientContext that is not base64 JSON gets 400 and leaves the environment usable', async () => {
    const name = await deploy(t.client, ECHO_CONTEXT);
    for (const bad of [
      '%%%',
      Buffer.from('not json').toString('base64'),
      Buffer.from('[1]').toString('base64'),
      Buffer.from(JSON.stringify({ c: 'x'.repeat(4000) })).toString('base64'),
    ]) {
      const response = await rawRequest(t.service, {
        method: 'POST',
        path: `/2015-03-31/functions/${name}/invocations`,
        headers: { 'x-amz-client-context': bad },
        body: '{}',
      });
      expect(response.status).toBe(400);
      expect(response.headers.get('x-amzn-errortype')).toMatch(/^InvalidRequestContentException/);
    }
    const output = await t.client.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from('{}') }));
    expect(output.FunctionError).toBeUndefined();
  });

  test('malformed %-encoding in a function name or alias gets 400, not 500', async () => {
    for (const path of [
      '/2015-03-31/functions/%E0%A4%A',
      '/2015-03-31/functions/%ZZ/configuration',
      '/2015-03-31/functions/fn/aliases/%C3',
      '/2015-03-31/functions/%FF/invocations',
    ]) {
      const response = await rawRequest(t.service, {
        method: path.endsWith('invocations') ? 'POST' : 'GET',
        path,
        ...(path.endsWith('invocations') ? { body: '{}' } : {}),
        sign: false,
      });
      // Unsigned on purpose: the SDK cannot produce these paths, and the auth check comes first.
      expect(response.status).toBe(403);
    }
    const open = await startLocalLambda({ cpuThrottle: false });
    try {
      for (const path of [
        '/2015-03-31/functions/%E0%A4%A',
        '/2015-03-31/functions/%ZZ/configuration',
        '/2015-03-31/functions/fn/aliases/%C3',
      ]) {
        const response = await fetch(`${open.endpoint}${path}`);
        expect([path, response.status]).toEqual([path, 400]);
        expect(response.headers.get('x-amzn-errortype')).toMatch(/^InvalidParameterValueException/);
      }
      const invoked = await fetch(`${open.endpoint}/2015-03-31/functions/%FF/invocations`, {
        method: 'POST',
        body: Buffer.from('{}'),
      });
      expect(invoked.status).toBe(400);
    } finally {
      await open.stop();
    }
  });

  test('MaxItems=abc, 0 or 10001 gets 400; MaxItems=1 pages', async () => {
    for (const value of ['abc', '0', '10001', '1e3', '-1']) {
      const response = await rawRequest(t.service, { path: `/2015-03-31/functions?MaxItems=${value}` });
      expect([value, response.status]).toEqual([value, 400]);
      expect(response.headers.get('x-amzn-errortype')).toMatch(/^ValidationException/);
    }
    await deploy(t.client, { 'index.js': 'exports.handler = async () => 1;' });
    await deploy(t.client, { 'index.js': 'exports.handler = async () => 2;' });
    const page = await t.client.send(new ListFunctionsCommand({ MaxItems: 1 }));
    expect(page.Functions).toHaveLength(1);
    expect(page.NextMarker).toBeDefined();
  });

  test('after all of the above the service still answers', async () => {
    const info = await rawRequest(t.service, { path: '/local/info' });
    expect(info.status).toBe(200);
  });
});
