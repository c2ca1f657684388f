import ts from 'typescript';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/package-root.js';

const SRC = join(packageRoot(), 'src');

/** The longest a function in src/ may be, in lines from its first to its last, comments included. */
const MAX_LINES = 100;

/** Every function, method, arrow function and accessor with a body in `text`, with its length. */
function functionLengths(file: string, text: string): { name: string; lines: number }[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: { name: string; lines: number }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(node.end).line;
      const named =
        node.name?.getText(source) ??
        (ts.isVariableDeclaration(node.parent) ? node.parent.name.getText(source) : undefined);
      found.push({ name: `${file}:${first + 1} ${named ?? '(anonymous)'}`, lines: last - first + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('function length', () => {
  test(`no function in src/ is longer than ${MAX_LINES} lines`, () => {
    const files = readdirSync(SRC, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const all = files.flatMap((file) => functionLengths(file, readFileSync(join(SRC, file), 'utf8')));
    expect(all.length).toBeGreaterThan(500);
    expect(all.filter((f) => f.lines > MAX_LINES).map((f) => `${f.name}: ${f.lines} lines`)).toEqual([]);
  });

  test('the measure counts a long function, nested or not', () => {
    const body = Array.from({ length: MAX_LINES }, (_, i) => `  const v${i} = ${i};`).join('\n');
    const text = `export function outer(): void {\n  const inner = (): void => {\n${body}\n  };\n  inner();\n}\n`;
    const lengths = functionLengths('example.ts', text);
    expect(lengths).toEqual([
      { name: 'example.ts:1 outer', lines: MAX_LINES + 5 },
      { name: 'example.ts:2 inner', lines: MAX_LINES + 2 },
    ]);
  });
});
