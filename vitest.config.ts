import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One DynamoDB Local for the run (test/support/dynamodb-local.ts); files make their own tables.
    globalSetup: ['test/global-setup.ts'],
    // Integration files each start their own in-process sandbox; two cores, so keep
    // the worker count small to avoid starving the simulated controllers.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
