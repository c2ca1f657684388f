/**
 * The production function a recommendation is for (the configuration's template), and the memory
 * size it ran with when the run began; memoryMb absent when that could not be told.
 */
export interface Production {
  readonly function: string;
  readonly memoryMb?: number;
}

/** What applying the recommended memory did (or why it left the function alone). */
export interface MemoryChange {
  readonly function: string;
  readonly from: number;
  readonly to: number;
  readonly applied: boolean;
  readonly note: string;
}
