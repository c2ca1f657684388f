import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { packageRoot } from '../../src/package-root.js';

const SRC = join(packageRoot(), 'src');

/** The folder (or top-level module) a source file belongs to: `analysis`, `errors`, ... */
const layerOf = (path: string): string => relative(SRC, path).split('/')[0]!.replace(/\.ts$/, '');

/** Every folder's imports of other folders, from the source's relative import lines. */
function importsByLayer(): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  const files = readdirSync(SRC, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  for (const file of files) {
    const path = join(SRC, file);
    const from = layerOf(path);
    for (const [, target] of readFileSync(path, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
      const to = layerOf(normalize(join(dirname(path), target!)));
      if (to !== from) edges.set(from, (edges.get(from) ?? new Set()).add(to));
    }
  }
  return edges;
}

describe('the layers of src/', () => {
  const edges = importsByLayer();

  test('the import lines were read (the check below is not vacuous)', () => {
    expect(edges.get('gate')).toContain('analysis');
    expect(edges.get('report')).toContain('analysis');
  });

  test('no two folders import each other', () => {
    const mutual = [...edges].flatMap(([from, tos]) =>
      [...tos].filter((to) => from < to && edges.get(to)?.has(from)).map((to) => `${from} <-> ${to}`),
    );
    expect(mutual).toEqual([]);
  });

  test('the pure core (model, config, pricing, looks, analysis) never imports the edges or the words', () => {
    const core = ['model', 'config', 'pricing', 'looks', 'analysis'];
    const edgesAndWords = ['report', 'gate', 'measure', 'lambda', 'local-lambda', 'github', 'action', 'cli', 'session'];
    const crossings = core.flatMap((from) =>
      edgesAndWords.filter((to) => edges.get(from)?.has(to)).map((to) => `${from} -> ${to}`),
    );
    expect(crossings).toEqual([]);
  });
});
