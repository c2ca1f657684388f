import { jest } from '@jest/globals';

/**
 * Hands what is written to `stream` to `take` instead, until restored. Written as a stream takes
 * it: a callback, given last, is called once the text is taken.
 */
export function captureWrites(stream: NodeJS.WriteStream, take: (text: string) => void): { mockRestore(): void } {
  return jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    take(chunk.toString());
    const done = rest.at(-1);
    if (typeof done === 'function') (done as () => void)();
    return true;
  });
}
