import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { ConfigError } from '../../src/config/config-error.js';
import { checkConfigFiles } from '../../src/config/files.js';
import { validateConfig } from '../../src/config/load.js';
import { zipBomb } from '../helpers/zip-bomb.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lpg-config-files-'));
  mkdirSync(join(dir, 'build'));
  writeFileSync(join(dir, 'build', 'index.js'), 'exports.handler = async () => ({});');
  const good = Buffer.from(zipSync({ 'index.js': Buffer.from('exports.handler = async () => ({});') }));
  writeFileSync(join(dir, 'good.zip'), good);
  writeFileSync(join(dir, 'no-handler.zip'), Buffer.from(zipSync({ 'main.js': Buffer.from('') })));
  writeFileSync(join(dir, 'truncated.zip'), good.subarray(0, good.length - 30));
  writeFileSync(join(dir, 'text.zip'), 'this is not a zip archive');
  writeFileSync(join(dir, 'over-250-mb.zip'), zipBomb(2, 1024, 140_000_000));
  writeFileSync(join(dir, 'over-50-mb.zip'), '');
  // Sparse: its size is over the limit, and the check must refuse it without reading it.
  truncateSync(join(dir, 'over-50-mb.zip'), 50 * 1024 * 1024 + 1);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The problems checkConfigFiles finds in a one-function configuration with these builds. */
function problemsOf(
  candidate: string,
  baseline = './build',
  runtime = 'nodejs20.x',
  handler = 'index.handler',
): readonly string[] {
  const fn = {
    name: 'fn',
    runtime,
    handler,
    candidate,
    baseline,
    exemplars: [{ name: 'e', event: {} }],
  };
  const source = join(dir, 'lambda-perf.yml');
  const config = validateConfig({ region: 'us-east-1', functions: [fn] }, source, { env: {} });
  try {
    checkConfigFiles(config, source);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(`${source} is not valid`);
    return (error as ConfigError).problems;
  }
}

describe('the builds a configuration names, checked before any call', () => {
  test('a Node.js handler with the extension written in reads as a property of the module, and says to leave it out', () => {
    mkdirSync(join(dir, 'extension'), { recursive: true });
    writeFileSync(join(dir, 'extension', 'index.js'), 'exports.handler = async () => ({});');
    expect(problemsOf('./extension', './extension', 'nodejs20.x', 'index.js.handler')).toEqual([
      'functions[0].handler: "index.js.handler" reads as the property js.handler of index; leave out the extension: "index.handler"',
    ]);
  });

  test('handlers the runtimes accept are not refused: a Node.js property path, a Python package', () => {
    mkdirSync(join(dir, 'paths', 'app'), { recursive: true });
    writeFileSync(join(dir, 'paths', 'index.js'), 'exports.handlers = { orders: async () => ({}) };');
    writeFileSync(join(dir, 'paths', 'app', '__init__.py'), 'def handler(event, context):\n    return {}\n');
    expect(problemsOf('./paths', './paths', 'nodejs20.x', 'index.handlers.orders')).toEqual([]);
    expect(problemsOf('./paths', './paths', 'python3.12', 'app.handler')).toEqual([]);
    // The property path's first name is what the file must define.
    expect(problemsOf('./paths', './paths', 'nodejs20.x', 'index.routes.orders')).toEqual([
      expect.stringContaining('defines nothing named "routes" (it exports: handlers)'),
    ]);
  });

  test('a handler file one directory down says so: a zip of the directory instead of its contents, a build one level too high', () => {
    writeFileSync(
      join(dir, 'nested.zip'),
      Buffer.from(zipSync({ 'validator/index.js': Buffer.from('exports.handler = async () => ({});') })),
    );
    mkdirSync(join(dir, 'dist', 'validator'), { recursive: true });
    writeFileSync(join(dir, 'dist', 'validator', 'index.js'), 'exports.handler = async () => ({});');
    expect(problemsOf('./nested.zip')[0]).toMatch(
      /does not hold; it holds validator\/index\.js: zip the contents of validator\/, not the directory itself$/,
    );
    expect(problemsOf('./dist')[0]).toMatch(
      new RegExp(`does not hold; it holds validator/index\\.js: is the build ${join(dir, 'dist', 'validator')}\\?$`),
    );
  });

  test('on the embedded local service, code in S3, an image and a template are refused before it starts, each naming its key', () => {
    const source = join(dir, 'lambda-perf.yml');
    const config = validateConfig(
      {
        region: 'us-east-1',
        functions: [
          {
            name: 'fn',
            template: 'orders-prod',
            candidate: { s3: 's3://bucket/build.zip' },
            baseline: { image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/orders:base' },
            exemplars: [{ name: 'e', event: {} }],
          },
        ],
      },
      source,
      { env: {} },
    );
    expect(() => checkConfigFiles(config, source)).not.toThrow();
    let problems: readonly string[] = [];
    try {
      checkConfigFiles(config, source, { local: true });
    } catch (error) {
      problems = (error as ConfigError).problems;
    }
    expect(problems).toEqual([
      expect.stringMatching(
        /^functions\[0\]\.baseline: a container image cannot run here: the embedded local service \(--local\) starts empty/,
      ),
      expect.stringMatching(
        /^functions\[0\]\.candidate: code in S3 cannot run here: .*give the build's directory or \.zip file$/,
      ),
      expect.stringMatching(
        /^functions\[0\]\.template: "orders-prod" names an existing function, .*give runtime and handler instead/,
      ),
    ]);
  });

  test.each([
    [
      'the extension written into a Python handler',
      'python3.12',
      'app.py.handler',
      'names app/py.py or app/py/__init__.py, which',
      '; leave out the extension: "app.handler"',
    ],
    [
      'Python code under a Node.js runtime',
      'nodejs20.x',
      'app.handler',
      'names app.js or app.mjs or app.cjs, which',
      '; it holds app.py: is functions[0].runtime (nodejs20.x) meant to be Python (python3.13, say)?',
    ],
    [
      'Node.js code under a Python runtime',
      'python3.12',
      'index.handler',
      'names index.py or index/__init__.py, which',
      '; it holds index.js: is functions[0].runtime (python3.12) meant to be Node.js (nodejs22.x, say)?',
    ],
  ])('a missing handler file says what the build suggests instead: %s', (_label, runtime, handler, names, hint) => {
    const build = join(dir, 'mixed');
    mkdirSync(build, { recursive: true });
    writeFileSync(join(build, 'index.js'), 'exports.handler = async () => ({});');
    writeFileSync(join(build, 'app.py'), 'def handler(event, context):\n    return {}\n');
    const [problem] = problemsOf('./mixed', './mixed', runtime, handler);
    expect(problem).toContain(names);
    expect(problem).toMatch(new RegExp(`does not hold${hint.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  });

  test('a zip holding the handler file passes, as a directory does', () => {
    expect(problemsOf('./good.zip')).toEqual([]);
    expect(problemsOf('./build')).toEqual([]);
  });

  test.each([
    ['text that is no zip', 'text.zip', 'no end of central directory'],
    ['a zip cut short', 'truncated.zip', 'no end of central directory'],
  ])('%s is refused naming the file, not deployed to fail as "Could not unzip"', (_label, name, reason) => {
    expect(problemsOf(`./${name}`)).toEqual([
      `functions[0].candidate: ${join(dir, name)} is not a zip archive Lambda can unzip (${reason}); build it again`,
    ]);
  });

  test('a corrupt baseline zip is refused too: no build of it could be deployed', () => {
    expect(problemsOf('./build', './text.zip')).toEqual([
      `functions[0].baseline: ${join(dir, 'text.zip')} is not a zip archive Lambda can unzip (no end of central directory); build it again`,
    ]);
  });

  test("a zip over Lambda's 50 MB direct upload is refused unread, pointing at S3", () => {
    expect(problemsOf('./over-50-mb.zip')).toEqual([
      `functions[0].candidate: ${join(dir, 'over-50-mb.zip')} is 52428801 bytes; Lambda takes at most 52428800 (50 MB) uploaded directly: upload it to S3 and give {s3: s3://bucket/key}`,
    ]);
  });

  test("a zip whose entries declare more than Lambda's 250 MB unzipped is refused", () => {
    expect(problemsOf('./over-250-mb.zip')).toEqual([
      `functions[0].candidate: ${join(dir, 'over-250-mb.zip')} unzips to 280000000 bytes; Lambda takes at most 262144000 (250 MB)`,
    ]);
  });

  test('a zip without the handler file is refused as a directory without it is', () => {
    expect(problemsOf('./no-handler.zip')).toEqual([
      `functions[0].handler: "index.handler" names index.js or index.mjs or index.cjs, which ${join(dir, 'no-handler.zip')} does not hold`,
    ]);
    expect(problemsOf('./good.zip', './build', 'provided.al2023')).toEqual([
      `functions[0].candidate: ${join(dir, 'good.zip')} has no executable named bootstrap, which provided.al2023 starts`,
    ]);
  });

  test.each([
    ['nodejs20.x', 'index', 'exports', 'index.handler'],
    ['nodejs20.x', 'index.', 'exports', 'index.handler'],
    ['python3.12', 'handler', 'defines', 'handler.lambda_handler'],
    ['python3.12', '.lambda_handler', 'defines', 'handler.lambda_handler'],
  ])(
    '%s: a handler "%s" without FILE.FUNCTION is refused as such, not as a file it does not name',
    (runtime, handler, verb, example) => {
      // "index" once read as the file "inde.js": the message named a file nobody wrote.
      const problem = `functions[0].handler: "${handler}" must be FILE.FUNCTION: the file's name without its extension, a dot, and the function it ${verb}, such as ${example}`;
      expect(problemsOf('./build', './build', runtime, handler)).toEqual([problem]);
      // In a zip too: the form is wrong whatever holds the code.
      expect(problemsOf('./good.zip', './build', runtime, handler)).toEqual([problem]);
    },
  );
});

describe('the function a handler names, looked for in its file before any call', () => {
  /** A build directory holding these files. */
  function build(name: string, files: Record<string, string>): string {
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(join(dir, name, file, '..'), { recursive: true });
      writeFileSync(join(dir, name, file), text);
    }
    return `./${name}`;
  }

  test.each([
    {
      handler: 'index.handle',
      runtime: 'nodejs20.x',
      file: 'index.js',
      text: 'exports.handler = async () => 1;\nexports.main = () => 2;',
      seen: 'exports: handler, main',
    },
    {
      handler: 'index.handle',
      runtime: 'nodejs22.x',
      file: 'index.mjs',
      text: 'export const handler = async () => 1;',
      seen: 'exports: handler',
    },
    {
      handler: 'index.handle',
      runtime: 'nodejs22.x',
      file: 'index.cjs',
      text: 'module.exports = { handler, main };',
      seen: 'exports: handler, main',
    },
    {
      handler: 'src/app.handler',
      runtime: 'nodejs22.x',
      file: 'src/app.js',
      text: 'exports.main = async () => 1;',
      seen: 'exports: main',
    },
    {
      handler: 'app.lambda_handler',
      runtime: 'python3.12',
      file: 'app.py',
      text: 'def handler(event, context):\n    return 1\n',
      seen: 'defines: handler',
    },
    {
      handler: 'pkg.app.handler',
      runtime: 'python3.12',
      file: 'pkg/app.py',
      text: 'def main(event, context):\n    return 1\n',
      seen: 'defines: main',
    },
  ])(
    '$runtime, handler $handler, $file: refused, naming the file and what it has',
    ({ handler, runtime, file, text, seen }) => {
      const code = build(`exports-${file.replaceAll('/', '-')}`, { [file]: text });
      const name = handler.slice(handler.lastIndexOf('.') + 1);
      expect(problemsOf(code, './build', runtime, handler)).toEqual([
        `functions[0].handler: "${handler}": ${file} in ${join(dir, code)} defines nothing named "${name}" (it ${seen})`,
      ]);
    },
  );

  test('the same in a zip: its handler entry is read, never run', () => {
    writeFileSync(
      join(dir, 'exports.zip'),
      zipSync({ 'index.js': Buffer.from('exports.handler = async () => 1;'), 'lib/x.js': Buffer.from('') }),
    );
    expect(problemsOf('./exports.zip', './build', 'nodejs20.x', 'index.handle')).toEqual([
      `functions[0].handler: "index.handle": index.js in ${join(dir, 'exports.zip')} defines nothing named "handle" (it exports: handler)`,
    ]);
    expect(problemsOf('./exports.zip', './build', 'nodejs20.x', 'index.handler')).toEqual([]);
  });

  test('only the candidate: a pull request may be the one that fixes the baseline', () => {
    const broken = build('exports-broken-baseline', { 'index.js': 'exports.old = 1;' });
    expect(problemsOf('./build', broken)).toEqual([]);
  });

  test.each([
    ['the function is there', { 'index.js': 'exports.handler = 1;' }],
    [
      'one of index.js and index.mjs defines it',
      { 'index.js': 'exports.other = 1;', 'index.mjs': 'export const handler = 1;' },
    ],
    ['it may come from elsewhere', { 'index.js': "module.exports = require('./impl');" }],
    ['the file is over 5 MB: not read', { 'index.js': `exports.other = 1;${' '.repeat(5 * 1024 * 1024)}` }],
  ])('not refused when %s', (label, files) => {
    expect(problemsOf(build(`exports-kept-${label.replaceAll(' ', '-')}`, files))).toEqual([]);
  });

  test('a handler file that links out of the build is not read', () => {
    const outside = build('exports-outside', { 'secret.js': 'exports.other = 1;' });
    const code = build('exports-link', {});
    mkdirSync(join(dir, code), { recursive: true });
    symlinkSync(join(dir, outside, 'secret.js'), join(dir, code, 'index.js'));
    expect(problemsOf(code)).toEqual([]);
  });
});
