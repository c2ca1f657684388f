import { exemplarSequence, perfFunctionName, planVariants } from '../../src/gate/plan.js';
import type { ExemplarSpec, FunctionSpec } from '../../src/config/types.js';

const exemplar = (name: string, weight: number): ExemplarSpec => ({ name, weight, payload: Buffer.from('{}') });

const spec = (overrides: Partial<FunctionSpec>): FunctionSpec => ({
  name: 'orders',
  environment: {},
  candidate: { kind: 'directory', path: '/c' },
  baseline: { kind: 'directory', path: '/b' },
  architectures: ['x86_64'],
  variants: [{ name: 'default', environment: {} }],
  exemplars: [exemplar('a', 1)],
  budgets: {},
  tolerance: 0.05,
  ...overrides,
});

describe('planning', () => {
  test('variants are memory x architecture x named variant, with readable ids', () => {
    const plans = planVariants(
      spec({
        memory: [256, 1024],
        architectures: ['x86_64', 'arm64'],
        variants: [
          { name: 'default', environment: {} },
          { name: 'prejit', environment: { X: '1' }, snapStart: true },
        ],
      }),
      128,
    );
    expect(plans.map((p) => p.id)).toEqual([
      '256MB-x86_64',
      '1024MB-x86_64',
      '256MB-x86_64-prejit',
      '1024MB-x86_64-prejit',
      '256MB-arm64',
      '1024MB-arm64',
      '256MB-arm64-prejit',
      '1024MB-arm64-prejit',
    ]);
    expect(plans[2]).toMatchObject({
      memoryMb: 256,
      architecture: 'x86_64',
      name: 'prejit',
      environment: { X: '1' },
      snapStart: true,
    });
  });

  test("without memory sizes, the default (the template's) is measured", () => {
    expect(planVariants(spec({}), 640).map((p) => p.id)).toEqual(['640MB-x86_64']);
  });

  test('exemplars follow their weights, spread out rather than in runs', () => {
    const sequence = exemplarSequence([exemplar('small', 3), exemplar('large', 1)], 8).map((e) => e.name);
    expect(sequence.filter((n) => n === 'small')).toHaveLength(6);
    expect(sequence).toEqual(['small', 'small', 'large', 'small', 'small', 'small', 'large', 'small']);
  });

  test("the perf function's name stays within Lambda's 64 characters", () => {
    expect(perfFunctionName('orders', 'ab12cd34')).toBe('lpg-orders-ab12cd34');
    expect(perfFunctionName('x'.repeat(40), 'ab12cd34').length).toBeLessThanOrEqual(64);
  });
});
