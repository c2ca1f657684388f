import * as core from '@actions/core';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { errorMessage } from '../errors.js';
import type { CleanupState } from '../gate/cleanup.js';
import { createLambdaClient } from '../lambda/client.js';
import { isInfrastructureError } from '../lambda/infrastructure-error.js';
import { PerfFunctionDeployer } from '../lambda/deploy.js';
import { DEFAULT_RETRY } from '../lambda/retry.js';
import { Redactor } from '../result/redact.js';
import { removeBaseWorktree } from './base-build.js';
import { ActionLog } from './log.js';
import { BASE_WORKTREE, STATE_FILE, type WorktreeState } from './state.js';

/**
 * The post step: runs after the job, also when it failed or was cancelled, and deletes whatever
 * the main step recorded and did not get to delete itself.
 */
export async function cleanup(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  // The post step has the main step's environment, secrets and all; a service's error may quote them.
  const log = new ActionLog(Redactor.fromEnvironment(env));
  const removedWorktree = await removeWorktree(log);
  const stateFile = core.getState(STATE_FILE);
  if (!stateFile || !existsSync(stateFile)) {
    if (!removedWorktree) log.info('lambda-perf-gate: nothing left to clean up.');
    return;
  }
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as CleanupState;
  const client = createLambdaClient({
    region: state.region,
    ...(state.endpoint ? { endpoint: state.endpoint } : {}),
    maxAttempts: 6,
  });
  const deployer = new PerfFunctionDeployer({
    client,
    retry: DEFAULT_RETRY,
    ...(state.endpoint ? { endpoint: state.endpoint } : {}),
    onRetry: () => undefined,
    progress: () => undefined,
  });
  let left = 0;
  for (const name of state.functions) {
    try {
      await deployer.remove(name);
      log.info(`lambda-perf-gate: deleted ${name}`);
    } catch (error) {
      if (state.backend === 'local' && isInfrastructureError(error, 'unreachable')) {
        log.info(`lambda-perf-gate: the local Lambda service ended with the main step, and ${name} with it.`);
        continue;
      }
      left++;
      log.warning(`lambda-perf-gate: could not delete ${name}: ${errorMessage(error)}`);
    }
  }
  client.destroy();
  if (left === 0) rmSync(stateFile, { force: true });
}

/** The base commit's worktree (the build input), when the main step did not get to remove it. */
async function removeWorktree(log: ActionLog): Promise<boolean> {
  const recorded = core.getState(BASE_WORKTREE);
  if (!recorded) return false;
  let worktree: WorktreeState;
  try {
    worktree = JSON.parse(recorded) as WorktreeState;
  } catch {
    return false;
  }
  if (!worktree.path || !existsSync(worktree.path)) return false;
  try {
    await removeBaseWorktree(worktree.repository, worktree.path);
    log.info(`lambda-perf-gate: removed the base commit's worktree ${worktree.path}`);
  } catch (error) {
    log.warning(
      `lambda-perf-gate: could not remove the base commit's worktree ${worktree.path}: ${errorMessage(error)}`,
    );
  }
  return true;
}

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
await cleanup();
