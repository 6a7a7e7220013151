/**
 * A throwaway PostgreSQL cluster on a free loopback port, in a temporary directory: the one way the
 * tests get a real PostgreSQL (postgres-global-setup.ts starts the shared one; the fault tests start
 * a private one they can stop, freeze and restart without disturbing the other tests).
 *
 * Finds `initdb` / `pg_ctl` (PATH, then /usr/lib/postgresql/<version>/bin) and runs them as the
 * `postgres` user through `runuser` when running as root.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, chownSync, constants, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** Whether the run is in CI, where a missing PostgreSQL fails the run instead of skipping its tests. */
export const isCI = /^(1|true|yes)$/i.test(process.env.CI ?? '');

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

/** A free loopback TCP port (bound, then released). */
export function freePort(): Promise<number> {
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

/** Why no cluster can be started here (undefined when one can). */
export function postgresUnavailableReason(): string | undefined {
  if (!findPostgresBin()) return 'no initdb/pg_ctl was found (PATH, /usr/lib/postgresql/*/bin)';
  if (process.getuid?.() === 0 && !userIds('postgres'))
    return 'running as root and there is no "postgres" user to run the cluster as';
  return undefined;
}

/** A running (or stopped) throwaway cluster. */
export interface PostgresCluster {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust authentication). */
  readonly url: string;
  readonly port: number;
  /** Starts the cluster again after {@link stop} (same port, same data). */
  start(): void;
  /** `pg_ctl stop` (`fast` by default: disconnects the clients, then shuts down). */
  stop(mode?: 'fast' | 'immediate'): void;
  /** The postmaster's pid and every process it started (backends, background workers). */
  processes(): number[];
  /** SIGSTOPs the postmaster and every process it started: the server is there but answers nothing. */
  freeze(): void;
  /** SIGCONTs what {@link freeze} stopped. */
  thaw(): void;
  /** Stops the cluster (thawing it first) and removes its directory. Idempotent. */
  destroy(): void;
}

function childrenOf(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces): state, ppid, …
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) found.push(Number(entry));
    } catch {
      // The process ended meanwhile.
    }
  }
  return found;
}

/**
 * Creates and starts a cluster (`fsync` off: throwaway data). Throws with the tool's output when
 * `initdb` or `pg_ctl start` fails, or when {@link postgresUnavailableReason} gives a reason.
 */
export async function startPostgresCluster(): Promise<PostgresCluster> {
  const reason = postgresUnavailableReason();
  if (reason) throw new Error(`PostgreSQL cannot be started: ${reason}`);
  const bin = findPostgresBin()!;
  const owner = process.getuid?.() === 0 ? userIds('postgres') : undefined;
  const run = (tool: string, args: string[]) => {
    const [cmd, argv] = owner
      ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]]
      : [join(bin, tool), args];
    return spawnSync(cmd as string, argv as string[], { encoding: 'utf8', cwd: tmpdir(), timeout: 60_000 });
  };

  const dir = mkdtempSync(join(tmpdir(), 'kakehashi-pg-'));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const data = join(dir, 'data');
  const log = join(dir, 'server.log');
  const remove = () => rmSync(dir, { recursive: true, force: true });

  const init = run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync']);
  if (init.status !== 0) {
    remove();
    throw new Error(`initdb failed (${init.status}): ${init.stderr || init.stdout}`);
  }
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  const start = () => {
    const started = run('pg_ctl', ['-D', data, '-o', options, '-l', log, '-w', '-t', '60', 'start']);
    if (started.status !== 0) {
      const serverLog = existsSync(log) ? readFileSync(log, 'utf8') : '';
      throw new Error(`pg_ctl start failed (${started.status}): ${started.stderr || started.stdout}\n${serverLog}`);
    }
  };
  try {
    start();
  } catch (error) {
    remove();
    throw error;
  }

  const postmaster = (): number | undefined => {
    try {
      return Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    } catch {
      return undefined;
    }
  };
  let frozen: number[] = [];
  let destroyed = false;
  const cluster: PostgresCluster = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    start,
    stop(mode = 'fast') {
      run('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '60', 'stop']);
    },
    processes() {
      const pid = postmaster();
      return pid === undefined ? [] : [pid, ...childrenOf(pid)];
    },
    freeze() {
      const pid = postmaster();
      if (pid === undefined) throw new Error('the cluster is not running');
      // The postmaster first, so that it starts no new process meanwhile.
      process.kill(pid, 'SIGSTOP');
      frozen = [pid, ...childrenOf(pid)];
      for (const child of frozen.slice(1)) process.kill(child, 'SIGSTOP');
    },
    thaw() {
      for (const pid of frozen.splice(0)) {
        try {
          process.kill(pid, 'SIGCONT');
        } catch {
          // Already gone.
        }
      }
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      cluster.thaw();
      cluster.stop('immediate');
      remove();
    },
  };
  return cluster;
}
