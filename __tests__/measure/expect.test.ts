import type { ExemplarSpec } from '../../src/config/types.js';
import { judgeAnswer } from '../../src/measure/expect.js';

const exemplar = (extra: Partial<ExemplarSpec>): ExemplarSpec => ({
  name: 'e',
  payload: Buffer.from('{}'),
  weight: 1,
  ...extra,
});
const body = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

describe('judging an answer against its exemplar', () => {
  test.each([
    [
      'expect-error, and that error: a correct answer',
      exemplar({ expectError: 'ValidationError' }),
      'ValidationError',
      {},
    ],
    [
      'expect-error, and a success: a wrong answer',
      exemplar({ expectError: 'ValidationError' }),
      undefined,
      { wrongAnswer: 'succeeded where the error ValidationError was expected' },
    ],
    [
      'expect-error, and another error type: an error',
      exemplar({ expectError: 'ValidationError' }),
      'TypeError',
      { errorType: 'TypeError' },
    ],
    [
      'expect-error, and a timeout: an error (the platform-noise rule applies)',
      exemplar({ expectError: 'ValidationError' }),
      'Sandbox.Timedout',
      { errorType: 'Sandbox.Timedout' },
    ],
    ['no expectation, an error: an error', exemplar({}), 'ValidationError', { errorType: 'ValidationError' }],
    ['expect met', exemplar({ expect: { statusCode: 200 } }), undefined, {}],
    ['expect missed', exemplar({ expect: { ok: true } }), undefined, { wrongAnswer: '$.ok is false, expected true' }],
  ])('%s', (_label, spec, errorType, outcome) => {
    expect(judgeAnswer(spec, errorType, body({ ok: false, statusCode: 200, errorType }))).toEqual(outcome);
  });

  test('the error type must match exactly, case included', () => {
    expect(judgeAnswer(exemplar({ expectError: 'ValidationError' }), 'validationerror', body({}))).toEqual({
      errorType: 'validationerror',
    });
  });
});
