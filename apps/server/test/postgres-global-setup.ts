/**
 * vitest globalSetup: a throwaway PostgreSQL cluster for the PostgreSQL tests.
 *
 * Finds `initdb` / `pg_ctl` (PATH, then /usr/lib/postgresql/<version>/bin), creates a cluster in a
 * temporary directory on a free loopback port (as the `postgres` user through `runuser` when running
 * as root), starts it, provides its URL to the tests as `databaseUrl`, and stops and removes it at
 * the end. `KAKEHASHI_TEST_DATABASE_URL` uses an existing server instead (each test file then creates
 * its own database in it).
 *
 * Without PostgreSQL: in CI (`CI=true`) the run fails loudly; elsewhere the PostgreSQL tests are
 * skipped with a message (`postgresSkipReason`).
 */
import { spawnSync } from 'node:child_process';
import { accessSync, chownSync, constants, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A PostgreSQL URL whose user may create databases, or '' when PostgreSQL is not available. */
    databaseUrl: string;
    /** Why the PostgreSQL tests are skipped ('' when they run). */
    postgresSkipReason: string;
  }
}

const isCI = /^(1|true|yes)$/i.test(process.env.CI ?? '');

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The directory holding both `initdb` and `pg_ctl`, or undefined. */
export function findPostgresBin(): string | undefined {
  const candidates = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  const versioned = '/usr/lib/postgresql';
  if (existsSync(versioned)) {
    const versions = readdirSync(versioned)
      .filter((v) => /^\d+(\.\d+)?$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) candidates.push(join(versioned, v, 'bin'));
  }
  candidates.push('/usr/local/pgsql/bin');
  return candidates.find((dir) => executable(join(dir, 'initdb')) && executable(join(dir, 'pg_ctl')));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function userIds(name: string): { uid: number; gid: number } | undefined {
  const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function unavailable(project: TestProject, reason: string): void {
  if (isCI)
    throw new Error(
      `PostgreSQL is required in CI but ${reason}. Install it (scripts/setup.mjs does on Debian as root) or set KAKEHASHI_TEST_DATABASE_URL.`,
    );
  console.warn(`\n[postgres] ${reason}: the PostgreSQL tests are skipped.\n`);
  project.provide('databaseUrl', '');
  project.provide('postgresSkipReason', reason);
}

export default async function setup(project: TestProject): Promise<(() => void) | undefined> {
  const external = process.env.KAKEHASHI_TEST_DATABASE_URL?.trim();
  if (external) {
    project.provide('databaseUrl', external);
    project.provide('postgresSkipReason', '');
    return undefined;
  }
  const bin = findPostgresBin();
  if (!bin) {
    unavailable(project, 'no initdb/pg_ctl was found (PATH, /usr/lib/postgresql/*/bin)');
    return undefined;
  }
  const isRoot = process.getuid?.() === 0;
  const owner = isRoot ? userIds('postgres') : undefined;
  if (isRoot && !owner) {
    unavailable(project, 'running as root and there is no "postgres" user to run the cluster as');
    return undefined;
  }
  const run = (tool: string, args: string[]) => {
    const [cmd, argv] = isRoot
      ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]]
      : [join(bin, tool), args];
    return spawnSync(cmd as string, argv as string[], { encoding: 'utf8', cwd: tmpdir(), timeout: 60_000 });
  };

  const dir = mkdtempSync(join(tmpdir(), 'kakehashi-pg-'));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  const cleanup = () => rmSync(dir, { recursive: true, force: true });

  const init = run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync']);
  if (init.status !== 0) {
    cleanup();
    throw new Error(`initdb failed (${init.status}): ${init.stderr || init.stdout}`);
  }
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  const start = run('pg_ctl', ['-D', data, '-o', options, '-l', log, '-w', '-t', '60', 'start']);
  if (start.status !== 0) {
    const serverLog = existsSync(log) ? readFileSync(log, 'utf8') : '';
    cleanup();
    throw new Error(`pg_ctl start failed (${start.status}): ${start.stderr || start.stdout}\n${serverLog}`);
  }
  project.provide('databaseUrl', `postgres://postgres@127.0.0.1:${port}/postgres`);
  project.provide('postgresSkipReason', '');

  return () => {
    run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    cleanup();
  };
}
