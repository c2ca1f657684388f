import type { Architecture } from './architecture.js';

/** One configuration under test: a memory size, an architecture and a named set of settings. */
export interface VariantPlan {
  readonly id: string;
  readonly memoryMb: number;
  readonly architecture: Architecture;
  readonly name: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly snapStart: boolean;
}

/** A variant's id, `512MB-arm64`, or `512MB-arm64-snap` for a named variant other than the default. */
export function variantId(memoryMb: number, architecture: Architecture, name: string): string {
  return `${memoryMb}MB-${architecture}${name === 'default' ? '' : `-${name}`}`;
}
