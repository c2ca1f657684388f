import { GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { createServer } from 'node:net';
import { createLambdaClient } from '../../src/lambda/client.js';
import { describeAwsError, isInfrastructureError } from '../../src/lambda/infrastructure-error.js';
import { startTestService, type TestService } from '../helpers/local-service.js';

/** Real SDK errors from the local service (and from a port nobody listens on), mapped to kinds. */
describe('infrastructure errors carry a kind that code branches on', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(async () => svc.close());

  async function failureOf(client = svc.client, name = 'no-such-function'): Promise<unknown> {
    return client.send(new GetFunctionCommand({ FunctionName: name })).then(
      () => undefined,
      (error: unknown) => error,
    );
  }

  test('a function that does not exist is not-found, naming the resource and the action', async () => {
    const error = describeAwsError(await failureOf(), 'GetFunction', 'no-such-function', svc.service.endpoint);
    expect(error.kind).toBe('not-found');
    expect(error.message).toMatch(/^no-such-function was not found during lambda:GetFunction/);
    expect(isInfrastructureError(error, 'not-found')).toBe(true);
    expect(isInfrastructureError(error, 'unreachable', 'denied')).toBe(false);
  });

  test('an endpoint nobody listens on is unreachable, whatever the message says', async () => {
    // A port that was free a moment ago: bind, read the port, close.
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const endpoint = `http://127.0.0.1:${port}`;
    const client = createLambdaClient({ region: 'us-east-1', endpoint, maxAttempts: 1 });
    try {
      const error = describeAwsError(await failureOf(client), 'GetFunction', 'f', endpoint);
      expect(error.kind).toBe('unreachable');
      expect(error.message).toContain(endpoint);
    } finally {
      client.destroy();
    }
  });

  test('unsigned requests are refused as credentials, not as a generic failure', async () => {
    const client = new LambdaClient({
      region: 'us-east-1',
      endpoint: svc.service.endpoint,
      maxAttempts: 1,
      credentials: { accessKeyId: 'AKIDWRONG', secretAccessKey: 'wrong' },
    });
    try {
      const error = describeAwsError(await failureOf(client), 'GetFunction', 'f', svc.service.endpoint);
      expect(error.kind).toBe('credentials');
    } finally {
      client.destroy();
    }
  });

  test('anything else thrown is not an infrastructure error', () => {
    expect(isInfrastructureError(new Error('cannot reach the Lambda endpoint'))).toBe(false);
    expect(isInfrastructureError('not-found')).toBe(false);
  });
});
