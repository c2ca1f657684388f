/** Where progress goes: a terminal gets one live line, anything else one plain line per step. */
export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): unknown;
}

/**
 * Progress of a run for a person watching. On a terminal each step rewrites one status line
 * (carriage return, erase line), cut to the terminal's width so it never wraps; elsewhere (CI
 * logs, files) each step is a line of its own. `end` finishes the live line before other output.
 */
export class ProgressLine {
  private live = false;

  constructor(private readonly stream: ProgressStream) {}

  update(text: string): void {
    const line = `· ${text.replace(/[\r\n]+/g, ' ')}`;
    if (!this.stream.isTTY) {
      this.stream.write(`${line}\n`);
      return;
    }
    // A pseudo-terminal without a size reports 0 columns.
    const width = Math.max(20, (this.stream.columns || 80) - 1);
    this.stream.write(`\r\x1b[2K${line.length > width ? `${line.slice(0, width - 1)}…` : line}`);
    this.live = true;
  }

  /** Clears the live line, so what follows starts on a clean line. */
  end(): void {
    if (!this.live) return;
    this.stream.write('\r\x1b[2K');
    this.live = false;
  }
}
