/** The name under which the main step tells the post step where its cleanup state is. */
export const STATE_FILE = 'state-file';

/** The base commit's worktree (`build` input), recorded before it is made: `{ repository, path }`. */
export const BASE_WORKTREE = 'base-worktree';

export interface WorktreeState {
  readonly repository: string;
  readonly path: string;
}
