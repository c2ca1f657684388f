import ts from 'typescript';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { packageRoot } from '../../src/package-root.js';

const SRC = join(packageRoot(), 'src');

/**
 * Which folders (and top-level modules) of src/ each may import. An import that is not here fails
 * the test below: add it only where it keeps the layers acyclic (the table is checked for cycles
 * of any length), and say why in the commit.
 */
const ALLOWED: Record<string, readonly string[]> = {
  // Leaves: helpers with no import of another folder, or only of each other.
  'assert-never': [],
  errors: [],
  'normal-distribution': [],
  'package-root': [],
  random: [],
  'workflow-commands': [],
  'zip-archive': [],
  'output-files': ['errors'],
  // The pure core.
  model: [],
  looks: ['normal-distribution'],
  pricing: ['model', 'package-root'],
  config: ['errors', 'looks', 'model', 'pricing', 'zip-archive'],
  analysis: ['assert-never', 'config', 'looks', 'model', 'normal-distribution', 'pricing'],
  // The result: the report document, its schema, the fail policy and redaction, which every edge
  // below reads; and the words, which render it.
  result: ['analysis', 'config', 'model'],
  report: ['analysis', 'assert-never', 'config', 'model', 'result'],
  profile: ['config', 'errors', 'lambda', 'local-lambda', 'model', 'result'],
  // The edges and the orchestration.
  lambda: ['assert-never', 'config', 'errors', 'model', 'package-root', 'zip-archive'],
  'local-lambda': ['assert-never', 'errors', 'model', 'random', 'zip-archive'],
  measure: ['config', 'lambda', 'model'],
  github: ['analysis', 'errors', 'report', 'result'],
  gate: [
    'analysis',
    'config',
    'errors',
    'lambda',
    'local-lambda',
    'looks',
    'measure',
    'model',
    'package-root',
    'pricing',
    'profile',
    'random',
    'report',
    'result',
  ],
  session: ['config', 'errors', 'gate', 'lambda', 'local-lambda', 'model', 'result'],
  // The front ends.
  action: [
    'analysis',
    'config',
    'errors',
    'gate',
    'github',
    'lambda',
    'local-lambda',
    'model',
    'output-files',
    'report',
    'result',
    'session',
    'workflow-commands',
  ],
  cli: [
    'config',
    'errors',
    'gate',
    'github',
    'lambda',
    'local-lambda',
    'output-files',
    'package-root',
    'report',
    'result',
    'session',
    'workflow-commands',
  ],
};

/** The folder (or top-level module) a source file belongs to: `analysis`, `errors`, ... */
const layerOf = (file: string): string => file.split('/')[0]!.replace(/\.ts$/, '');

/**
 * Every source file's imports of other source files, read by the TypeScript compiler's
 * pre-processor: static imports and re-exports, `import type`, and dynamic `import()`.
 */
function importGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  const files = readdirSync(SRC, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  for (const file of files) {
    const targets = new Set<string>();
    for (const { fileName } of ts.preProcessFile(readFileSync(join(SRC, file), 'utf8'), true, true).importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const target = normalize(join(dirname(file), fileName)).replace(/\.js$/, '.ts');
      if (!existsSync(join(SRC, target))) throw new Error(`${file} imports ${fileName}, which is not a file of src/`);
      targets.add(target);
    }
    graph.set(file, targets);
  }
  return graph;
}

/** The strongly connected components of more than one node (Tarjan), each sorted: the cycles. */
function cycles(graph: ReadonlyMap<string, ReadonlySet<string> | readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next++);
    stack.push(node);
    onStack.add(node);
    for (const to of graph.get(node) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node)!, low.get(to)!));
      } else if (onStack.has(to)) low.set(node, Math.min(low.get(node)!, index.get(to)!));
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1) found.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

describe('the layers of src/', () => {
  const graph = importGraph();
  const layerEdges = new Map<string, Set<string>>();
  for (const [from, targets] of graph)
    for (const to of targets)
      if (layerOf(from) !== layerOf(to))
        layerEdges.set(layerOf(from), (layerEdges.get(layerOf(from)) ?? new Set()).add(layerOf(to)));

  test('the imports were read (the checks below are not vacuous)', () => {
    // Every .ts file of src/, as TypeScript's own directory reader finds them (150 at this writing).
    const sources = ts.sys.readDirectory(SRC, ['.ts']).map((path) => relative(SRC, path));
    expect([...graph.keys()].sort()).toEqual(sources.sort());
    expect(graph.size).toBeGreaterThanOrEqual(150);
    expect(layerEdges.get('gate')).toContain('analysis');
    expect(layerEdges.get('report')).toContain('analysis');
    // Type-only imports, re-exports and dynamic import() count as imports.
    expect(graph.get('lambda/apply-memory.ts')).toContain('model/production.ts');
    const read = ts.preProcessFile(
      "import type { A } from './a.js';\nexport * from './b.js';\nconst c = await import('./c.js');",
      true,
      true,
    );
    expect(read.importedFiles.map((f) => f.fileName)).toEqual(['./a.js', './b.js', './c.js']);
    expect(
      cycles(
        new Map([
          ['a', ['b']],
          ['b', ['c']],
          ['c', ['a']],
          ['d', ['a']],
        ]),
      ),
    ).toEqual([['a', 'b', 'c']]);
  });

  test('every folder imports only what the table allows', () => {
    const outside = [...layerEdges].flatMap(([from, targets]) =>
      [...targets].filter((to) => !(ALLOWED[from] ?? []).includes(to)).map((to) => `${from} -> ${to}`),
    );
    expect(outside).toEqual([]);
  });

  test('the table names every folder, and its folders form no cycle of any length', () => {
    expect(Object.keys(ALLOWED).sort()).toEqual([...new Set([...graph.keys()].map(layerOf))].sort());
    expect(cycles(new Map(Object.entries(ALLOWED)))).toEqual([]);
  });

  test('the pure core (model, config, pricing, looks, analysis) never imports the edges or the words', () => {
    const core = ['model', 'config', 'pricing', 'looks', 'analysis'];
    const edgesAndWords = [
      'result',
      'report',
      'gate',
      'measure',
      'lambda',
      'local-lambda',
      'github',
      'action',
      'cli',
      'session',
    ];
    const crossings = core.flatMap((from) =>
      edgesAndWords.filter((to) => layerEdges.get(from)?.has(to)).map((to) => `${from} -> ${to}`),
    );
    expect(crossings).toEqual([]);
  });

  test('files form no cycle of any length', () => {
    expect(cycles(graph)).toEqual([]);
  });
});
