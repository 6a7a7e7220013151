/**
 * vitest globalSetup: a throwaway PostgreSQL cluster for the PostgreSQL tests (postgres-cluster.ts),
 * its URL provided to the tests as `databaseUrl`, stopped and removed at the end.
 * `KAKEHASHI_TEST_DATABASE_URL` uses an existing server instead (each test file then creates its own
 * database in it).
 *
 * Without PostgreSQL: in CI (`CI=true`) the run fails loudly; elsewhere the PostgreSQL tests are
 * skipped with a message (`postgresSkipReason`).
 */
import type { TestProject } from 'vitest/node';
import { isCI, postgresUnavailableReason, startPostgresCluster } from './postgres-cluster';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A PostgreSQL URL whose user may create databases, or '' when PostgreSQL is not available. */
    databaseUrl: string;
    /** Why the PostgreSQL tests are skipped ('' when they run). */
    postgresSkipReason: string;
  }
}

export default async function setup(project: TestProject): Promise<(() => void) | undefined> {
  const external = process.env.KAKEHASHI_TEST_DATABASE_URL?.trim();
  if (external) {
    project.provide('databaseUrl', external);
    project.provide('postgresSkipReason', '');
    return undefined;
  }
  const reason = postgresUnavailableReason();
  if (reason) {
    if (isCI)
      throw new Error(
        `PostgreSQL is required in CI but ${reason}. Install it (scripts/setup.mjs does on Debian as root) or set KAKEHASHI_TEST_DATABASE_URL.`,
      );
    console.warn(`\n[postgres] ${reason}: the PostgreSQL tests are skipped.\n`);
    project.provide('databaseUrl', '');
    project.provide('postgresSkipReason', reason);
    return undefined;
  }
  const cluster = await startPostgresCluster();
  project.provide('databaseUrl', cluster.url);
  project.provide('postgresSkipReason', '');
  return () => cluster.destroy();
}
