import base from './jest.config.js';

/**
 * `npm run test:quick`: the pure core (configuration, statistics, sampling, analysis) and the
 * renderers, in one process, with no local service and no child process. `npm test`
 * runs these and everything else.
 */
export default {
  ...base,
  testMatch: [
    '<rootDir>/__tests__/{analysis,config,report,result,measure,session,profile,architecture}/**/*.test.ts',
    '<rootDir>/__tests__/*.test.ts',
  ],
  // These spawn processes or start a service.
  testPathIgnorePatterns: [
    '/node_modules/',
    '/analysis/refresh-prices\\.test\\.ts$',
    '/measure/integration-command\\.test\\.ts$',
    '/profile/live\\.test\\.ts$',
  ],
};
