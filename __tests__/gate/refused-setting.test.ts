import type { FunctionSpec } from '../../src/config/types.js';
import { refusedSetting } from '../../src/gate/refused-setting.js';
import { describeAwsError } from '../../src/lambda/infrastructure-error.js';
import { classifyFailure, EXIT } from '../../src/session.js';

const spec = { name: 'orders' } as FunctionSpec;
/** What the SDK throws for an error Lambda answered with. */
const lambdaError = (name: string, message: string) =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });
const refused = (message: string, index = 1) =>
  refusedSetting(
    describeAwsError(lambdaError('InvalidParameterValueException', message), 'CreateFunction', 'lpg-orders-1-c0'),
    spec,
    index,
  );

describe("a setting Lambda refuses (InvalidParameterValueException) is the configuration's mistake", () => {
  test.each([
    ['Reserved keys used in this request: AWS_REGION', 'functions[1].environment and functions[1].variants'],
    [
      'Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit.',
      'functions[1].environment and functions[1].variants',
    ],
    ['The role defined for the function cannot be assumed by Lambda.', 'functions[1].role'],
    [
      'Could not unzip uploaded file. Please check your file, then try to upload again.',
      'functions[1].candidate and functions[1].baseline',
    ],
    ['Something Lambda never said before.', 'the settings of functions[1]'],
  ])('"%s": exit 2, check %s', (message, keys) => {
    const failure = classifyFailure(refused(message));
    expect(failure.exitCode).toBe(EXIT.usage);
    expect(failure.message).toBe(
      `functions[1] (orders): Lambda refused a setting: lambda:CreateFunction on lpg-orders-1-c0 failed: InvalidParameterValueException: ${message}; check ${keys}`,
    );
  });

  test('a key is found in what Lambda said, not in the names the gate put around it', () => {
    const failure = classifyFailure(
      refusedSetting(
        describeAwsError(
          lambdaError('InvalidParameterValueException', 'Something else.'),
          'CreateFunction',
          'lpg-role-handler-c0',
        ),
        spec,
        0,
      ),
    );
    expect(failure.message).toMatch(/; check the settings of functions\[0\]$/);
  });

  test('any other platform failure stays an infrastructure error (exit 3)', () => {
    const other = describeAwsError(
      lambdaError('ServiceException', 'Lambda is having a bad day'),
      'CreateFunction',
      'x',
    );
    expect(refusedSetting(other, spec, 0)).toBe(other);
    expect(classifyFailure(other).exitCode).toBe(EXIT.infrastructure);
  });
});
