import { deploy, invoke, startTestService, type TestService } from '../helpers/local-service.js';

let t: TestService;
beforeAll(async () => {
  t = await startTestService({ cpuThrottle: false });
});
afterAll(() => t.close());

const PYTHON = {
  'app/handler.py': [
    'import os',
    'def main(event, context):',
    '    print("python sees", event["n"])',
    '    if event.get("fail"):',
    '        raise ValueError("bad n")',
    '    return {"double": event["n"] * 2, "request": context.aws_request_id,',
    '            "memory": context.memory_limit_in_mb, "left": context.get_remaining_time_in_millis() > 0,',
    '            "exec": os.environ.get("AWS_EXECUTION_ENV")}',
  ].join('\n'),
};

// An OS-only runtime: the package's own executable bootstrap speaks the Runtime API with curl.
const SHELL_BOOTSTRAP = `#!/bin/sh
set -eu
API="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime"
while true; do
  HEADERS="$(mktemp)"
  EVENT="$(curl -sS -D "$HEADERS" "$API/invocation/next")"
  ID="$(grep -i '^lambda-runtime-aws-request-id:' "$HEADERS" | tr -d '\\r' | cut -d' ' -f2)"
  echo "shell got $EVENT"
  curl -sS -X POST "$API/invocation/$ID/response" -d "{\\"echo\\": $EVENT, \\"handler\\": \\"$_HANDLER\\"}" > /dev/null
  rm -f "$HEADERS"
done
`;

describe('runtimes', () => {
  test('python: handler module.function in a package directory, context, print output, cold then warm', async () => {
    const name = await deploy(t.client, PYTHON, { Runtime: 'python3.12', Handler: 'app/handler.main' });
    const cold = await invoke(t.client, name, { n: 21 });
    expect(cold.json).toMatchObject({ double: 42, memory: '512', left: true, exec: 'AWS_Lambda_python3.12' });
    expect((cold.json as { request: string }).request).toBe(cold.report.requestId);
    expect(cold.log).toContain('python sees 21');
    expect(cold.report.initDurationMs).toBeGreaterThan(0);
    const warm = await invoke(t.client, name, { n: 1 });
    expect(warm.report.initDurationMs).toBeUndefined();
  });

  test('python: an exception is Unhandled with its type and a stack trace', async () => {
    const name = await deploy(t.client, PYTHON, { Runtime: 'python3.12', Handler: 'app.handler.main' });
    const failed = await invoke(t.client, name, { n: 1, fail: true });
    expect(failed.output.FunctionError).toBe('Unhandled');
    const body = failed.json as { errorType: string; errorMessage: string; stackTrace: string[] };
    expect(body.errorType).toBe('ValueError');
    expect(body.errorMessage).toBe('bad n');
    expect(body.stackTrace.join('\n')).toContain('handler.py');
    expect(failed.log).toContain('[ERROR] ValueError: bad n');
  });

  test('python: a missing module fails INIT as Runtime.ImportModuleError', async () => {
    const name = await deploy(t.client, PYTHON, { Runtime: 'python3.11', Handler: 'nothing.here' });
    const failed = await invoke(t.client, name, { n: 1 });
    expect((failed.json as { errorType: string }).errorType).toBe('Runtime.ImportModuleError');
  });

  test.each(['provided', 'provided.al2', 'provided.al2023'] as const)(
    "%s runs the package's executable bootstrap",
    async (runtime) => {
      const name = await deploy(
        t.client,
        { bootstrap: [SHELL_BOOTSTRAP, 0o755] },
        { Runtime: runtime, Handler: 'my.handler' },
      );
      const cold = await invoke(t.client, name, { id: 5 });
      expect(cold.json).toEqual({ echo: { id: 5 }, handler: 'my.handler' });
      expect(cold.report.initDurationMs).toBeGreaterThan(0);
      expect(cold.log).toContain('shell got {"id":5}');
      const warm = await invoke(t.client, name, { id: 6 });
      expect(warm.json).toEqual({ echo: { id: 6 }, handler: 'my.handler' });
      expect(warm.report.initDurationMs).toBeUndefined();
    },
  );

  test('an OS-only package whose bootstrap is not executable fails as Runtime.InvalidEntrypoint', async () => {
    const name = await deploy(
      t.client,
      { bootstrap: [SHELL_BOOTSTRAP, 0o644] },
      { Runtime: 'provided.al2023', Handler: 'x' },
    );
    const failed = await invoke(t.client, name);
    expect(failed.output.FunctionError).toBe('Unhandled');
    expect((failed.json as { errorType: string }).errorType).toBe('Runtime.InvalidEntrypoint');
  });
});
