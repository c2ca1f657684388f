import { readPostedProfile, relativeFile } from '../../src/profile/samples.js';

const TASK = '/tmp/lambda-perf-gate-code-x/pkg1';
const posted = (document: unknown): Buffer => Buffer.from(JSON.stringify(document));

/** A V8 profile: root -> handler -> work, and samples on each. */
const cpuprofile = {
  nodes: [
    { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 }, children: [2, 4] },
    { id: 2, callFrame: { functionName: 'handler', url: `file://${TASK}/index.mjs`, lineNumber: 9 }, children: [3] },
    { id: 3, callFrame: { functionName: 'work', url: `file://${TASK}/lib/work.mjs`, lineNumber: 0 }, children: [] },
    { id: 4, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 }, children: [] },
  ],
  startTime: 0,
  endTime: 1000,
  samples: [3, 3, 2, 4],
  timeDeltas: [100, 100, 5000, 100],
};

describe('reading the profiles a runtime client posts', () => {
  test('a .cpuprofile: stacks from the root, files relative to the package, 1-based lines, idle left out, one interval per sample', () => {
    const read = readPostedProfile(
      posted({ format: 'cpuprofile', taskRoot: TASK, intervalUs: 100, profile: cpuprofile }),
    )!;
    expect(read.kind).toBe('node');
    const names = read.stacks.map((stack) => stack.map((i) => read.frames[i]!.name).join('>'));
    expect(names).toEqual(['handler>work', 'handler>work', 'handler']);
    expect(read.frames.map((f) => `${f.name} ${f.file}:${f.line}`)).toEqual(
      expect.arrayContaining(['handler index.mjs:10', 'work lib/work.mjs:1']),
    );
    // The 5 ms stamp after a gap (a frozen environment) counts as one interval, not five.
    expect(read.weightsMs).toEqual([0.1, 0.1, 0.1]);
  });

  test('speedscope (Python): frames, stacks and weights as posted', () => {
    const read = readPostedProfile(
      posted({
        format: 'speedscope',
        taskRoot: TASK,
        intervalUs: 1000,
        profile: {
          shared: {
            frames: [
              { name: 'handler', file: `${TASK}/app.py`, line: 3 },
              { name: 'digest', file: `${TASK}/app.py`, line: 9 },
              { name: 'join', file: '<frozen posixpath>', line: 71 },
            ],
          },
          // An empty stack (nothing ran) is left out.
          profiles: [{ type: 'sampled', unit: 'milliseconds', samples: [[0, 1], [0], []], weights: [2.5, 1, 1] }],
        },
      }),
    )!;
    expect(read.kind).toBe('python');
    expect(read.frames).toEqual([
      { name: 'handler', file: 'app.py', line: 3, inPackage: true },
      { name: 'digest', file: 'app.py', line: 9, inPackage: true },
      { name: 'join', file: '<frozen posixpath>', line: 71, inPackage: false },
    ]);
    expect(read.stacks).toEqual([[0, 1], [0]]);
    expect(read.weightsMs).toEqual([2.5, 1]);
  });

  test('files outside the package keep their last two parts; node: modules stay as they are', () => {
    expect(relativeFile(`file://${TASK}/src/a%20b.mjs`, TASK)).toBe('src/a b.mjs');
    expect(relativeFile('/usr/lib/python3.12/json/decoder.py', TASK)).toBe('…/json/decoder.py');
    expect(relativeFile('node:internal/streams/readable', TASK)).toBe('node:internal/streams/readable');
    // A sibling directory whose name starts like the task root is not inside it.
    expect(relativeFile(`${TASK}2/index.js`, TASK)).toBe('…/pkg12/index.js');
  });

  test.each([
    ['not JSON', Buffer.from('{nope')],
    ['JSON null', posted(null)],
    ['an unknown format', posted({ format: 'pprof', profile: {} })],
    ['a .cpuprofile without an interval', posted({ format: 'cpuprofile', profile: cpuprofile })],
    [
      'samples and time deltas of different lengths',
      posted({ format: 'cpuprofile', intervalUs: 100, profile: { ...cpuprofile, timeDeltas: [1] } }),
    ],
    [
      'a sample of a node that does not exist',
      posted({ format: 'cpuprofile', intervalUs: 100, profile: { ...cpuprofile, samples: [99], timeDeltas: [1] } }),
    ],
    [
      'a cycle in the call tree',
      posted({
        format: 'cpuprofile',
        intervalUs: 100,
        profile: {
          nodes: [
            { id: 1, callFrame: { functionName: 'a' }, children: [2] },
            { id: 2, callFrame: { functionName: 'b' }, children: [1] },
          ],
          samples: [2],
          timeDeltas: [1],
        },
      }),
    ],
    [
      'a speedscope stack with a frame index out of range',
      posted({
        format: 'speedscope',
        profile: {
          shared: { frames: [] },
          profiles: [{ type: 'sampled', unit: 'milliseconds', samples: [[3]], weights: [1] }],
        },
      }),
    ],
    [
      'a speedscope profile in another unit',
      posted({
        format: 'speedscope',
        profile: { shared: { frames: [] }, profiles: [{ type: 'sampled', unit: 'bytes', samples: [], weights: [] }] },
      }),
    ],
  ])('a hostile or broken body is left out, never a crash: %s', (_name, body) => {
    expect(readPostedProfile(body)).toBeUndefined();
  });

  test('a profile whose distinct stacks would take too much memory to hold is left out', () => {
    // A chain 1,000 calls deep with 5,000 leaves below it, each sampled: 5 million frames to hold
    // from a body of a few hundred KB.
    const nodes: { id: number; callFrame: { functionName: string }; children: number[] }[] = [];
    for (let id = 1; id <= 1000; id++)
      nodes.push({ id, callFrame: { functionName: `f${id}` }, children: id < 1000 ? [id + 1] : [] });
    for (let leaf = 1001; leaf <= 6000; leaf++) {
      nodes[999]!.children.push(leaf);
      nodes.push({ id: leaf, callFrame: { functionName: `leaf${leaf}` }, children: [] });
    }
    const samples = Array.from({ length: 5000 }, (_, i) => 1001 + i);
    const body = posted({
      format: 'cpuprofile',
      intervalUs: 100,
      profile: { nodes, samples, timeDeltas: samples.map(() => 100) },
    });
    expect(readPostedProfile(body)).toBeUndefined();
  });

  test('names are cut short and lose control characters', () => {
    const read = readPostedProfile(
      posted({
        format: 'speedscope',
        profile: {
          shared: { frames: [{ name: `evil\u0000\u001b[31m${'x'.repeat(500)}`, file: 'a.py', line: -4 }] },
          profiles: [{ type: 'sampled', unit: 'milliseconds', samples: [[0]], weights: [1e9] }],
        },
      }),
    )!;
    expect(read.frames[0]!.name).toMatch(/^evil\[31mx+…$/);
    expect(read.frames[0]!.name.length).toBe(160);
    expect(read.frames[0]!.line).toBe(0);
    // One sample stands for a second at most.
    expect(read.weightsMs).toEqual([1000]);
  });
});
