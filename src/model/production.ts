/**
 * The production function a recommendation is for (the configuration's template), and the memory
 * size it ran with when the run began; memoryMb absent when that could not be told.
 */
export interface Production {
  readonly function: string;
  readonly memoryMb?: number;
}
