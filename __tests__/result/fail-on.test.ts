import { parseFailOn } from '../../src/result/fail-on.js';

describe('fail-on, as the CLI and the action read it', () => {
  test.each([
    ['none alone never fails', 'none', [], []],
    ['a list of categories', 'regression, error', ['regression', 'error'], []],
    [
      'none beside categories is refused without contradicting itself',
      'none,regression',
      ['regression'],
      ['"none" (never fail) cannot be combined with regression; give none alone, or only the categories'],
    ],
    [
      'an unknown category names the valid ones',
      'slow',
      [],
      ['"slow" is not one of regression, budget, inconclusive, error (or none)'],
    ],
  ])('%s', (_label, text, failOn, problems) => {
    expect(parseFailOn(text)).toEqual({ failOn, problems });
  });
});
