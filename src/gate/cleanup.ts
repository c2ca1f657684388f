import { rmSync, writeFileSync } from 'node:fs';
import type { BackendKind } from '../result/model.js';

export interface CleanupState {
  /** `local`: the embedded service ends with the process, and takes its functions along. */
  readonly backend: BackendKind;
  readonly region: string;
  readonly endpoint?: string;
  readonly functions: readonly string[];
}

/**
 * What the run created and must delete. Every creation is recorded (and, with a state file,
 * written down at once, so a separate process such as the action's post step can clean up after
 * a cancelled job). Running it twice is harmless.
 */
export class CleanupRegistry {
  private readonly functions = new Set<string>();
  private running: Promise<string[]> | undefined;

  constructor(
    private readonly remove: (functionName: string) => Promise<void>,
    private readonly base: Omit<CleanupState, 'functions'>,
    private readonly stateFile?: string,
  ) {}

  created(functionName: string): void {
    this.functions.add(functionName);
    this.persist();
  }

  get pending(): readonly string[] {
    return [...this.functions];
  }

  /** Deletes everything recorded; returns the problems, one line each, instead of throwing. */
  runAll(): Promise<string[]> {
    this.running ??= (async () => {
      const problems: string[] = [];
      for (const name of [...this.functions]) {
        try {
          await this.remove(name);
          this.functions.delete(name);
        } catch (error) {
          problems.push(`could not delete ${name}: ${(error as Error).message}`);
        }
      }
      this.persist();
      this.running = undefined;
      return problems;
    })();
    return this.running;
  }

  private persist(): void {
    if (!this.stateFile) return;
    if (this.functions.size === 0) rmSync(this.stateFile, { force: true });
    else writeFileSync(this.stateFile, JSON.stringify({ ...this.base, functions: [...this.functions] }, null, 2));
  }
}

/**
 * On SIGINT or SIGTERM: run `cleanup` (delete what the run created), then exit with `exitCode`.
 * Returns the function that removes the handlers again once the run is over.
 */
export function cleanupOnSignals(
  cleanup: (signal: NodeJS.Signals) => Promise<void>,
  exitCode: (signal: NodeJS.Signals) => number,
): () => void {
  const onSignal = (signal: NodeJS.Signals): void => {
    void cleanup(signal).finally(() => process.exit(exitCode(signal)));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return () => {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  };
}
