/** A step's output as the Actions runner reads it, for tests of what may reach a job log. */
export interface JobLog {
  /** Lines the runner would act on as workflow commands, besides the stop-commands pairs that keep the rest inert. */
  readonly commands: string[];
  /** Every other line, as the log shows it (without the stop-commands pairs). */
  readonly shown: string[];
  /** Whether the output ends with commands still stopped. */
  readonly stopped: boolean;
}

/** Every character .NET's `Char.IsWhiteSpace` takes, so its `Trim()`s trim; U+0085 (NEL) among them, unlike JavaScript's `\s`. */
const DOTNET_WHITESPACE = '\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000';
const DOTNET_TRIM = new RegExp(`^[${DOTNET_WHITESPACE}]+|[${DOTNET_WHITESPACE}]+$`, 'g');

/**
 * Reads output line by line (a CR breaks a line too) as the runner does: `::name::` at a line's
 * start after what .NET trims, or `##[name]` anywhere, is a command, except between `::stop-commands::T`
 * and `::T::`. Only a 32-hex-digit token counts as the guard's own stop: text cannot know it.
 */
export function readJobLog(output: string): JobLog {
  const commands: string[] = [];
  const shown: string[] = [];
  let token: string | undefined;
  for (const line of output.split(/\r\n|\r|\n/)) {
    const trimmed = line.replace(DOTNET_TRIM, '');
    if (token !== undefined) {
      if (trimmed === `::${token}::`) token = undefined;
      else shown.push(line);
      continue;
    }
    const stop = /^::stop-commands::([0-9a-f]{32})$/.exec(trimmed);
    if (stop) token = stop[1];
    else if (trimmed.startsWith('::') || line.includes('##[')) commands.push(line);
    else shown.push(line);
  }
  return { commands, shown, stopped: token !== undefined };
}
