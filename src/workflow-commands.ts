import { randomBytes } from 'node:crypto';

/**
 * What the runner takes for a workflow command: `::name::` at the start of a line, or the old
 * `##[name]` anywhere in it. It reads a line break at a CR as well as at an LF. Before the `::` it
 * trims every character .NET's `TrimStart()` trims (Char.IsWhiteSpace), listed here because
 * JavaScript's `\s` misses U+0085 (NEL); `\s` also takes U+FEFF, which .NET keeps, and so does
 * this list: one blank too many only stops commands around a harmless line.
 */
const COMMAND = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]*::|##\[/;
const LINE_BREAK = /\r\n|\r|\n/;

/** Whether the runner would act on a line of `text` as a workflow command. */
export function carriesCommand(text: string): boolean {
  return text.split(LINE_BREAK).some((line) => COMMAND.test(line));
}

/** A token for `::stop-commands::<token>` that no text from outside can know (so none can end the stop). */
export const stopCommandsToken = (): string => randomBytes(16).toString('hex');

/**
 * A writer to a stream the runner may read as a job log (a process's stdout or stderr), through
 * which no text acts as a workflow command: a text that carries one is written between
 * `::stop-commands::<token>` and `::<token>::`, with a token the text cannot know, each on a line
 * of its own. Other text passes unchanged. A line cut over several writes is checked whole.
 */
export function inertWriter(write: (text: string) => unknown): (text: string) => void {
  // What was written since the last line break: the start of the line the next text continues.
  let openLine = '';
  return (text) => {
    const line = openLine + text;
    if (!carriesCommand(line)) {
      write(text);
      openLine = line.split(LINE_BREAK).pop()!;
      return;
    }
    const token = stopCommandsToken();
    // The stop must open a line of its own, and the text must end its last line before the resume.
    const lead = openLine === '' ? '' : '\n';
    const end = /[\r\n]$/.test(text) ? '' : '\n';
    write(`${lead}::stop-commands::${token}\n${text}${end}::${token}::\n`);
    openLine = '';
  };
}
