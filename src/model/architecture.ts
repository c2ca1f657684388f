/** Lambda's instruction set architectures, in the order a config lists them by default. */
export const ARCHITECTURES = ['x86_64', 'arm64'] as const;

export type Architecture = (typeof ARCHITECTURES)[number];
