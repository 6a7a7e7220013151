import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // A throwaway PostgreSQL cluster for the PostgreSQL tests (skipped without PostgreSQL, fatal in CI).
    globalSetup: ['test/postgres-global-setup.ts'],
  },
});
