import { escapeMarkdown } from './escape.js';
import { shortPercent } from './format.js';
import { headline } from './headline.js';
import type { Verdict } from '../analysis/result.js';
import type { GateReport } from '../result/model.js';

/**
 * What a comment showed, kept in the comment itself as a hidden line, so the next run can say what
 * changed since ("was ❌ +20%, now ✅"). The line is read back from a comment on GitHub, which is
 * input like any other: it is parsed strictly, and a line that does not parse is ignored whole.
 */
export interface CommentState {
  /** The head commit the comment was for, when known. */
  readonly sha?: string;
  readonly functions: readonly FunctionState[];
}

interface FunctionState {
  readonly name: string;
  readonly verdict: Verdict;
  /** The headline's warm change in percent, when there was one. */
  readonly warmChangePercent?: number;
}

const PREFIX = '<!-- lambda-perf-gate-state v=1';
const VERDICTS: readonly Verdict[] = ['pass', 'fail', 'inconclusive'];
const ICON: Record<Verdict, string> = { pass: '✅', fail: '❌', inconclusive: '⚠️' };
/** More is not read: a comment holds at most what fits GitHub's 65,536 characters anyway. */
const MAX_LINE = 16_384;
const MAX_FUNCTIONS = 200;
const SHA = /^[0-9a-f]{7,40}$/;
/** A name as encodeURIComponent writes it: nothing that could end the HTML comment (`>` is %3E). */
const ENCODED_NAME = /^[A-Za-z0-9%\-_.!~*'()]{0,600}$/;
const CHANGE = /^[+-]\d{1,7}(\.\d)?$/;

export function commentState(report: GateReport): CommentState {
  const sha = report.context?.head?.sha;
  return {
    ...(sha !== undefined && SHA.test(sha) ? { sha } : {}),
    functions: report.functions.slice(0, MAX_FUNCTIONS).map((f) => {
      const warm = headline(f).warm;
      const change = warm && Number.isFinite(warm.ratio) ? Math.round((warm.ratio - 1) * 1000) / 10 : undefined;
      return {
        name: f.name,
        verdict: f.verdict,
        ...(change !== undefined && Number.isFinite(change) ? { warmChangePercent: change } : {}),
      };
    }),
  };
}

/** The hidden line: `<!-- lambda-perf-gate-state v=1 sha=0a1b2c3 f=orders,fail,+23.4 -->`. */
export function stateMarker(state: CommentState): string {
  const tokens = [PREFIX];
  if (state.sha) tokens.push(`sha=${state.sha}`);
  for (const f of state.functions) {
    const change =
      f.warmChangePercent === undefined
        ? '-'
        : `${f.warmChangePercent >= 0 ? '+' : ''}${f.warmChangePercent.toFixed(1)}`;
    tokens.push(`f=${encodeURIComponent(f.name)},${f.verdict},${change}`);
  }
  return `${tokens.join(' ')} -->`;
}

/** The state a previous comment's body holds, or undefined when it holds none that parses. */
export function readCommentState(body: string): CommentState | undefined {
  const start = body.indexOf(PREFIX);
  if (start < 0) return undefined;
  const end = body.indexOf(' -->', start);
  if (end < 0 || end - start > MAX_LINE) return undefined;
  const tokens = body
    .slice(start + PREFIX.length, end)
    .split(' ')
    .filter(Boolean);
  let sha: string | undefined;
  const functions: FunctionState[] = [];
  for (const token of tokens) {
    const [key, value = ''] = token.split(/=(.*)/s);
    if (key === 'sha' && sha === undefined && SHA.test(value)) {
      sha = value;
      continue;
    }
    const parts = value.split(',');
    if (key !== 'f' || parts.length !== 3 || functions.length >= MAX_FUNCTIONS) return undefined;
    const [encoded = '', verdict = '', change = ''] = parts;
    if (
      !ENCODED_NAME.test(encoded) ||
      !VERDICTS.includes(verdict as Verdict) ||
      !(change === '-' || CHANGE.test(change))
    )
      return undefined;
    let name: string;
    try {
      name = decodeURIComponent(encoded);
    } catch {
      return undefined;
    }
    functions.push({
      name,
      verdict: verdict as Verdict,
      ...(change === '-' ? {} : { warmChangePercent: Number(change) }),
    });
  }
  return { ...(sha ? { sha } : {}), functions };
}

/**
 * What changed since the comment's last version, as one markdown line, or '' when there was no
 * previous version or nothing changed (a verdict, or a warm change by a point or more): a rerun
 * that finds the same leaves the comment as it was. Names are the current report's (escaped); the previous state lends only its
 * verdicts and figures, which were checked on reading.
 */
export function sinceLastRun(previous: CommentState | undefined, current: CommentState): string {
  if (!previous) return '';
  const before = new Map(previous.functions.map((f) => [f.name, f]));
  const changes: string[] = [];
  for (const now of current.functions) {
    const was = before.get(now.name);
    if (!was) continue;
    const moved =
      was.warmChangePercent !== undefined &&
      now.warmChangePercent !== undefined &&
      Math.abs(was.warmChangePercent - now.warmChangePercent) >= 1;
    if (was.verdict === now.verdict && !moved) continue;
    const figure = (f: FunctionState): string =>
      `${ICON[f.verdict]}${f.warmChangePercent === undefined ? '' : ` ${shortPercent(f.warmChangePercent)}`}`;
    changes.push(
      `${current.functions.length > 1 ? `${escapeMarkdown(now.name)} ` : ''}was ${figure(was)}, now ${figure(now)}`,
    );
  }
  if (!changes.length) return '';
  const since = previous.sha ? ` (\`${previous.sha.slice(0, 7)}\`)` : '';
  return `Since the last run${since}: ${changes.join('; ')}.`;
}
