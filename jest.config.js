/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
  testTimeout: 60000,
  setupFiles: ['<rootDir>/__tests__/setup-environment.js'],
  // One test file at a time: the gate tests measure durations, and a second worker on a
  // 2-core machine is noise they would have to see through.
  maxWorkers: 1,
  // Lists the tests skipped because the host lacks root, a tool or a kernel feature.
  reporters: ['default', '<rootDir>/scripts/skip-reporter.js'],
};
