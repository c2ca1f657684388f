import { DEFAULT_FAIL_ON, failingFindings } from '../../src/result/fail-on.js';
import { subsetMismatch } from '../../src/measure/expect.js';
import { isSecretName, maskedValue, Redactor } from '../../src/result/redact.js';
import { sampleReport } from '../helpers/report-fixture.js';

describe('redacting secrets from what the gate writes', () => {
  test.each([
    ['AWS_SECRET_ACCESS_KEY', true],
    ['AWS_SESSION_TOKEN', true],
    ['AWS_ACCESS_KEY_ID', true],
    ['GITHUB_TOKEN', true],
    ['INPUT_GITHUB-TOKEN', true],
    ['ACTIONS_ID_TOKEN_REQUEST_TOKEN', true],
    ['DB_PASSWORD', true],
    ['NPM_AUTH', true],
    ['GOOGLE_APPLICATION_CREDENTIALS', true],
    ['STRIPE_API_KEY', true],
    ['SIGNING_KEY', true],
    ['PATH', false],
    ['PWD', false],
    ['HOME', false],
    ['MONKEY', false],
    ['KEYBOARD_LAYOUT', false],
    ['INPUT_COMMENT-KEY', false],
    ['GITHUB_REPOSITORY', false],
  ])('%s is secret-looking: %s', (name, secret) => {
    expect(isSecretName(name)).toBe(secret);
  });

  test('values of secret-looking variables are replaced everywhere; short ones and other variables are left', () => {
    const redactor = Redactor.fromEnvironment({
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      FLAG_TOKEN: 'true',
      HOME: '/home/runner-secret-ish',
      NPM_TOKEN: 'npm_abcdefgh12345678',
    });
    expect(
      redactor.text(
        'key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY token npm_abcdefgh12345678 flag true at /home/runner-secret-ish',
      ),
    ).toBe('key=*** token *** flag true at /home/runner-secret-ish');
    expect(redactor.size).toBe(2);
  });

  test('a multi-line secret is redacted whole and line by line; a secret containing another goes whole', () => {
    const redactor = new Redactor();
    redactor.add('-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END KEY-----');
    redactor.add('abcdefgh');
    redactor.add('abcdefgh-longer');
    expect(redactor.text('tail: MIIEvQIBADANBgkqhkiG9w0BAQEFAASC')).toBe('tail: ***');
    expect(redactor.text('abcdefgh-longer and abcdefgh')).toBe('*** and ***');
  });

  test('::add-mask:: lines give their value, unescaped as the runner does', () => {
    expect(maskedValue('::add-mask::s3cr3t-value')).toBe('s3cr3t-value');
    expect(maskedValue('::add-mask::100%25 sure%0Anext')).toBe('100% sure\nnext');
    expect(maskedValue('  ::add-mask::padded-value  \r')).toBe('padded-value');
    expect(maskedValue('::add-mask::')).toBeUndefined();
    expect(maskedValue('echo add-mask')).toBeUndefined();
  });

  test('a report is redacted deep; numbers and the keys of the model are untouched', () => {
    const redactor = new Redactor();
    redactor.add('hunter2-hunter2');
    const report = {
      verdict: 'fail',
      n: Infinity,
      list: [{ message: 'pw hunter2-hunter2', value: Number.NaN }],
      functions: [{ name: 'x hunter2-hunter2' }],
    };
    expect(redactor.deep(report)).toEqual({
      verdict: 'fail',
      n: Infinity,
      list: [{ message: 'pw ***', value: Number.NaN }],
      functions: [{ name: 'x ***' }],
    });
  });

  test('a command that masks the words of the gate hides them in the text, but cannot turn a failure into a pass', () => {
    const redactor = new Redactor();
    for (const word of [
      'regression',
      'inconclusive',
      'functions',
      'candidate',
      'baseline',
      'wrong-answer',
      'test-failure',
    ])
      redactor.add(word);
    const report = sampleReport();
    const redacted = redactor.deep(report);
    expect(redacted.verdict).toBe('fail');
    expect(redacted.functions).toHaveLength(1);
    expect(failingFindings(redacted, DEFAULT_FAIL_ON)).toHaveLength(failingFindings(report, DEFAULT_FAIL_ON).length);
    expect(failingFindings(redacted, DEFAULT_FAIL_ON).length).toBeGreaterThan(0);
    expect(redacted.functions[0]!.findings[0]!.message).not.toContain('regression');
  });

  test('a text cut inside a secret before redaction keeps no part of it', () => {
    const secret = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc';
    const redactor = Redactor.fromEnvironment({ STRIPE_API_KEY: secret });
    // A wrong answer is shown cut at 77 characters where it is judged, before any redaction.
    const mismatch = subsetMismatch({ note: `${'x'.repeat(50)}${secret}` }, { note: 'fine' })!;
    expect(mismatch).toMatch(/\.\.\., expected "fine"$/);
    expect(mismatch).toContain(secret.slice(0, 12));
    const redacted = redactor.text(mismatch);
    for (let k = 3; k < secret.length; k++) expect(redacted).not.toContain(secret.slice(0, k));
    expect(redacted).toMatch(/x{10}\*\*\*\.\.\., expected "fine"$/);
    // A tail cut at the front alike; ordinary text beside a cut mark is left as it was.
    expect(redactor.text(`...${secret.slice(-9)} done`)).toBe('...*** done');
    expect(redactor.text('a plain message that was cut...')).toBe('a plain message that was cut...');
  });
});
