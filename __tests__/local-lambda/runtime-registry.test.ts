import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assertNever } from '../../src/assert-never.js';
import { describeRuntime, RuntimeClients, SUPPORTED_RUNTIMES } from '../../src/local-lambda/runtimes/index.js';
import {
  FAMILIES,
  FLUSH_MARKER,
  RUNTIME_FAMILIES,
  waitsForFlushMarker,
} from '../../src/local-lambda/runtimes/registry.js';

describe('the runtime registry', () => {
  test.each([
    ['nodejs18.x', 'nodejs', 'nodejs:18.local', 'AWS_Lambda_nodejs18.x', 'marker', true, false],
    ['nodejs24.x', 'nodejs', 'nodejs:24.local', 'AWS_Lambda_nodejs24.x', 'marker', true, false],
    ['python3.9', 'python', 'python:3.9.local', 'AWS_Lambda_python3.9', 'marker', true, true],
    ['python3.14', 'python', 'python:3.14.local', 'AWS_Lambda_python3.14', 'marker', true, true],
    ['provided', 'provided', 'provided.local', undefined, 'next-turn', false, false],
    ['provided.al2023', 'provided', 'provided.al2023.local', undefined, 'next-turn', false, false],
  ])(
    '%s is %s, INIT_START %s, AWS_EXECUTION_ENV %s, flush %s, handler required %s, SnapStart %s',
    (id, family, version, executionEnv, flush, handlerRequired, snapStart) => {
      expect(describeRuntime(id)).toMatchObject({
        id,
        family,
        version,
        executionEnv,
        flush,
        handlerRequired,
        snapStart,
        managed: family !== 'provided',
      });
    },
  );

  test('a runtime no family lists is not supported, and no id is listed twice', () => {
    expect(describeRuntime('java21')).toBeUndefined();
    expect(describeRuntime('nodejs')).toBeUndefined();
    expect(new Set(SUPPORTED_RUNTIMES).size).toBe(SUPPORTED_RUNTIMES.length);
    expect(SUPPORTED_RUNTIMES).toHaveLength(13);
  });

  // A family that waits for the marker but whose client never writes it costs 1 s per invocation
  // and no functional test would notice: the marker must be in the client's source.
  test.each(RUNTIME_FAMILIES.filter((family) => FAMILIES[family].flush === 'marker'))(
    'the %s runtime client writes the flush marker its family waits for',
    (family) => {
      const description = FAMILIES[family];
      if (description.flush !== 'marker') throw new Error(`${family} was filtered as a marker family`);
      expect(readFileSync(description.client.file, 'utf8')).toContain(FLUSH_MARKER.replace('\x1e', '\\x1e'));
    },
  );

  test('each family with a client starts it with the interpreter it was given, or its default', () => {
    const clients = new RuntimeClients({ nodejs: '/opt/node/bin/node' });
    try {
      const [nodeFile, nodeArgs] = clients.command(describeRuntime('nodejs22.x')!, '/task');
      expect(nodeFile).toBe('/opt/node/bin/node');
      expect(nodeArgs).toEqual([join(clients.directory, 'node-bootstrap.cjs')]);
      const [pythonFile, pythonArgs] = clients.command(describeRuntime('python3.12')!, '/task');
      expect(pythonFile).toBe('python3');
      expect(pythonArgs).toEqual(['-u', join(clients.directory, 'python-bootstrap.py')]);
      for (const path of [...nodeArgs, ...pythonArgs.slice(1)]) expect(existsSync(path)).toBe(true);
    } finally {
      clients.dispose();
    }
    expect(existsSync(clients.directory)).toBe(false);
  });

  test('a value from outside a closed set fails loudly, naming it', () => {
    expect(waitsForFlushMarker('marker')).toBe(true);
    expect(waitsForFlushMarker('next-turn')).toBe(false);
    expect(() => waitsForFlushMarker('eventually' as never)).toThrow('Unexpected flush behaviour: "eventually"');
    expect(() => assertNever('x' as never)).toThrow('Unexpected value: "x"');
  });
});
