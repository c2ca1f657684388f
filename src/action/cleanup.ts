import * as core from '@actions/core';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { errorMessage } from '../errors.js';
import type { CleanupState } from '../gate/cleanup.js';
import { createLambdaClient } from '../lambda/client.js';
import { isInfrastructureError } from '../lambda/infrastructure-error.js';
import { PerfFunctionDeployer } from '../lambda/deploy.js';
import { DEFAULT_RETRY } from '../lambda/retry.js';
import { STATE_FILE } from './state.js';

/**
 * The post step: runs after the job, also when it failed or was cancelled, and deletes whatever
 * the main step recorded and did not get to delete itself.
 */
export async function cleanup(): Promise<void> {
  const stateFile = core.getState(STATE_FILE);
  if (!stateFile || !existsSync(stateFile)) {
    core.info('lambda-perf-gate: nothing left to clean up.');
    return;
  }
  const state = JSON.parse(readFileSync(stateFile, 'utf8')) as CleanupState;
  const client = createLambdaClient({ region: state.region, ...(state.endpoint ? { endpoint: state.endpoint } : {}), maxAttempts: 6 });
  const deployer = new PerfFunctionDeployer({ client, retry: DEFAULT_RETRY, ...(state.endpoint ? { endpoint: state.endpoint } : {}), onRetry: () => undefined, progress: () => undefined });
  let left = 0;
  for (const name of state.functions) {
    try {
      await deployer.remove(name);
      core.info(`lambda-perf-gate: deleted ${name}`);
    } catch (error) {
      if (state.backend === 'local' && isInfrastructureError(error, 'unreachable')) {
        core.info(`lambda-perf-gate: the local Lambda service ended with the main step, and ${name} with it.`);
        continue;
      }
      left++;
      core.warning(`lambda-perf-gate: could not delete ${name}: ${errorMessage(error)}`);
    }
  }
  client.destroy();
  if (left === 0) rmSync(stateFile, { force: true });
}

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
await cleanup();
