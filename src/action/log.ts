import * as core from '@actions/core';
import type { Redactor } from '../result/redact.js';
import { carriesCommand, stopCommandsToken } from '../workflow-commands.js';

/** Where an annotation points (a file, lines, a title); the same shape as @actions/core's. */
export type Annotation = core.AnnotationProperties;

/**
 * Everything the action writes to the job log. Every text is redacted first, since it may quote
 * a function, a command, a service's error, a config value or a branch name. Plain lines never act
 * as workflow commands: a line the runner would take for one is written between
 * `::stop-commands::<token>` and `::<token>::`, with a token the text cannot know.
 */
export class ActionLog {
  /** The token of the stop-commands in effect, if any. */
  private stopped: string | undefined;

  constructor(
    private readonly redactor: Redactor,
    private readonly write: (line: string) => void = (line) => core.info(line),
  ) {}

  /** A plain text of one or more lines. */
  info(text: string): void {
    const safe = this.redactor.text(text);
    if (this.stopped !== undefined || !carriesCommand(safe)) return this.write(safe);
    this.stopCommands();
    this.write(safe);
    this.resumeCommands();
  }

  /**
   * From here to resumeCommands the runner shows every line as text (the pull request's build
   * prints its own). Nothing else must be printed meanwhile: an annotation would show as text too.
   */
  stopCommands(): void {
    if (this.stopped !== undefined) return;
    this.stopped = stopCommandsToken();
    this.write(`::stop-commands::${this.stopped}`);
  }

  /** Ends stopCommands; only once, since a second `::<token>::` shows as text. */
  resumeCommands(): void {
    if (this.stopped === undefined) return;
    this.write(`::${this.stopped}::`);
    this.stopped = undefined;
  }

  warning(text: string, annotation?: Annotation): void {
    core.warning(...this.annotation(text, annotation));
  }

  notice(text: string, annotation?: Annotation): void {
    core.notice(...this.annotation(text, annotation));
  }

  error(text: string, annotation?: Annotation): void {
    core.error(...this.annotation(text, annotation));
  }

  /** An error annotation that also fails the step. */
  setFailed(text: string): void {
    this.resumeCommands();
    core.setFailed(this.redactor.text(text));
  }

  startGroup(title: string): void {
    this.resumeCommands();
    core.startGroup(this.redactor.text(title));
  }

  endGroup(): void {
    this.resumeCommands();
    core.endGroup();
  }

  /**
   * The runner would show an annotation made while commands are stopped as text: the stop ends
   * first (after a signal, the build's late lines are then checked one by one by info).
   */
  private annotation(text: string, annotation: Annotation | undefined): [string, Annotation?] {
    this.resumeCommands();
    const message = this.redactor.text(text);
    if (!annotation) return [message];
    const title = annotation.title === undefined ? {} : { title: this.redactor.text(annotation.title) };
    return [message, { ...annotation, ...title }];
  }
}
