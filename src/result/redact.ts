/**
 * Keeps secrets out of everything the gate writes: the JSON report, the markdown (PR comment,
 * job summary), the terminal, annotations and error messages. GitHub masks its own secrets in the
 * job log only, never in a comment, and it never sees what an integration command printed, so the
 * gate redacts by itself: the values of secret-looking environment variables, and every value a
 * command asked to mask with `::add-mask::`.
 */

/** What replaces a secret. */
const REDACTED = '***';

/**
 * Shorter values are left alone: redacting `true`, `1` or `local` everywhere would blank the report
 * and protect nothing (a real token, key or password is longer).
 */
const MIN_SECRET_LENGTH = 8;

/** Words that mark an environment variable as secret, matched anywhere in its name. */
const SECRET_WORD =
  /TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|CREDENTIAL|PRIVATE|APIKEY|API_KEY|SESSION|COOKIE|SIGNATURE/i;
/** Words that mark a variable as secret only as a whole word of its name (`AWS_ACCESS_KEY_ID`, not `MONKEY`). */
const SECRET_PART = /^(KEY|KEYS|AUTH|PASS|PAT)$/i;
/** The gate's own inputs that carry such a word but no secret. */
const NOT_SECRET = new Set(['INPUT_COMMENT-KEY', 'INPUT_COMMENT_KEY']);

/** Whether an environment variable's name says it holds a secret. */
export function isSecretName(name: string): boolean {
  if (NOT_SECRET.has(name.toUpperCase())) return false;
  return SECRET_WORD.test(name) || name.split(/[^A-Za-z0-9]+/).some((part) => SECRET_PART.test(part));
}

const ADD_MASK = /::add-mask::(.*)$/;

/** How the gate marks a text it cut short. */
const CUT_MARKS = ['...', '…'] as const;
/** A part of a secret shorter than this, next to a cut, is left: it gives nothing away. */
const MIN_CUT_PART = 3;

/**
 * Fields whose values are the gate's own vocabulary (verdicts, kinds of finding, outcomes, builds,
 * units) and decide the exit code or find things again. They hold no secret, and redacting them
 * would let a command that masks `regression` or `inconclusive` turn a failure into a pass.
 */
const DECIDING_FIELDS = new Set([
  'verdict',
  'kind',
  'outcome',
  'metric',
  'build',
  'unit',
  'architecture',
  'strategy',
  'mode',
  'backend',
  'status',
  'eventName',
]);

/**
 * The value of an `::add-mask::` workflow command on one output line, unescaped as the runner
 * does (`%0D`, `%0A`, `%25`), or undefined when the line carries none.
 */
export function maskedValue(line: string): string | undefined {
  const match = ADD_MASK.exec(line.replace(/\r$/, ''));
  if (!match) return undefined;
  const value = match[1]!.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%25/g, '%').trim();
  return value === '' ? undefined : value;
}

export class Redactor {
  private readonly secrets = new Set<string>();
  private pattern: RegExp | undefined;

  /** A redactor for the values of the secret-looking variables in `env`. */
  static fromEnvironment(env: NodeJS.ProcessEnv): Redactor {
    return new Redactor().addEnvironment(env);
  }

  /** Adds the values of the secret-looking variables in `env`. */
  addEnvironment(env: NodeJS.ProcessEnv): this {
    for (const [name, value] of Object.entries(env)) if (value !== undefined && isSecretName(name)) this.add(value);
    return this;
  }

  /** Adds a value to redact (each of its lines, too, since output is often cut at a line). */
  add(value: string): void {
    for (const candidate of [value, ...value.split(/\r?\n/)]) {
      const trimmed = candidate.trim();
      if (trimmed.length >= MIN_SECRET_LENGTH && !this.secrets.has(trimmed)) {
        this.secrets.add(trimmed);
        this.pattern = undefined;
      }
    }
  }

  /** How many distinct values it redacts. */
  get size(): number {
    return this.secrets.size;
  }

  text(text: string): string {
    if (this.secrets.size === 0) return text;
    // Longest first, so a secret that contains another is replaced whole.
    this.pattern ??= new RegExp(
      [...this.secrets]
        .sort((a, b) => b.length - a.length)
        .map(escapeRegExp)
        .join('|'),
      'g',
    );
    return this.redactCutEdges(text.replace(this.pattern, REDACTED));
  }

  /**
   * A text cut short for a report ("abc..." or "...xyz", often inside a longer message) may have
   * been cut inside a secret, and the part left no longer matches it: the start of a secret just
   * before a cut mark, or the end of one just after it, is redacted too. So a cut made before
   * redaction (an error message or a mismatched answer shortened where it was read) leaks no part
   * of a secret.
   */
  private redactCutEdges(text: string): string {
    let result = text;
    for (const mark of CUT_MARKS) {
      for (let at = result.lastIndexOf(mark); at >= 0; at = at === 0 ? -1 : result.lastIndexOf(mark, at - 1)) {
        const before = result.slice(0, at);
        const after = result.slice(at + mark.length);
        const head = this.longestPart(after, (secret, k) => after.startsWith(secret.slice(secret.length - k)));
        const tail = this.longestPart(before, (secret, k) => before.endsWith(secret.slice(0, k)));
        result = `${before.slice(0, before.length - tail)}${tail ? REDACTED : ''}${mark}${head ? REDACTED : ''}${after.slice(head)}`;
        at = before.length - tail + (tail ? REDACTED.length : 0);
      }
    }
    return result;
  }

  /** The length of the longest proper part (at least MIN_CUT_PART) of any secret that `matches`. */
  private longestPart(body: string, matches: (secret: string, length: number) => boolean): number {
    let longest = 0;
    for (const secret of this.secrets)
      for (let k = Math.min(secret.length - 1, body.length); k >= MIN_CUT_PART && k > longest; k--)
        if (matches(secret, k)) longest = k;
    return longest;
  }

  /**
   * A copy of any JSON-like value (a report) with every string value redacted, except the deciding
   * fields above; keys are the model's own and are left as they are.
   */
  deep<T>(value: T): T {
    return this.walk(value, undefined) as T;
  }

  private walk(value: unknown, key: string | undefined): unknown {
    if (typeof value === 'string') return key !== undefined && DECIDING_FIELDS.has(key) ? value : this.text(value);
    if (Array.isArray(value)) return value.map((item) => this.walk(item, undefined));
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, item]) => [k, this.walk(item, k)]));
    }
    return value;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
