import type { StackSamples } from './samples.js';

/**
 * One build's profiles merged into one file a person can open: V8's .cpuprofile for Node.js
 * (Chrome DevTools, VS Code, speedscope), speedscope's format for Python. Every measured call of
 * every environment is in it, one after the other; frames are named by file relative to the
 * package, as in the report.
 */
export function mergedProfileFile(profiles: readonly StackSamples[]): { extension: string; text: string } {
  const frames: { name: string; file: string; line: number }[] = [];
  const frameIndex = new Map<string, number>();
  const stacks: number[][] = [];
  const weightsMs: number[] = [];
  for (const profile of profiles) {
    const local = profile.frames.map((frame) => {
      const key = `${frame.name}\0${frame.file}\0${frame.line}`;
      let index = frameIndex.get(key);
      if (index === undefined) {
        index = frames.length;
        frames.push({ ...frame });
        frameIndex.set(key, index);
      }
      return index;
    });
    profile.stacks.forEach((stack, i) => {
      stacks.push(stack.map((frame) => local[frame]!));
      weightsMs.push(profile.weightsMs[i]!);
    });
  }
  const total = weightsMs.reduce((sum, w) => sum + w, 0);
  if (profiles[0]?.kind === 'python') {
    const document = {
      $schema: 'https://www.speedscope.app/file-format-schema.json',
      shared: { frames },
      profiles: [
        {
          type: 'sampled',
          name: 'handler calls',
          unit: 'milliseconds',
          startValue: 0,
          endValue: total,
          samples: stacks,
          weights: weightsMs,
        },
      ],
    };
    return { extension: 'speedscope.json', text: JSON.stringify(document) };
  }
  // A call tree from the stacks: one node per distinct path from the root.
  const nodes: { id: number; callFrame: object; children: number[] }[] = [
    {
      id: 1,
      callFrame: { functionName: '(root)', scriptId: '0', url: '', lineNumber: -1, columnNumber: -1 },
      children: [],
    },
  ];
  const childOf = new Map<string, number>();
  const samples: number[] = [];
  for (const stack of stacks) {
    let at = 1;
    for (const frame of stack) {
      const key = `${at}\0${frame}`;
      let id = childOf.get(key);
      if (id === undefined) {
        id = nodes.length + 1;
        const { name, file, line } = frames[frame]!;
        nodes.push({
          id,
          callFrame: { functionName: name, scriptId: '0', url: file, lineNumber: line - 1, columnNumber: 0 },
          children: [],
        });
        nodes[at - 1]!.children.push(id);
        childOf.set(key, id);
      }
      at = id;
    }
    samples.push(at);
  }
  const timeDeltas = weightsMs.map((w) => Math.round(w * 1000));
  const document = { nodes, startTime: 0, endTime: timeDeltas.reduce((sum, d) => sum + d, 0), samples, timeDeltas };
  return { extension: 'cpuprofile', text: JSON.stringify(document) };
}
