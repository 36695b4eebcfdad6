/**
 * The cluster's PostgreSQL: either one named by a connection URL (TEMPORAL_CLUSTER_POSTGRES_URL), or an
 * instance of its own, `initdb` into a data folder with the machine's PostgreSQL binaries, on a free port,
 * so a fault test can restart it without touching any other database.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freeLowPorts } from '../lib/ports';

export const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

export interface Postgres {
  host: string;
  port: number;
  /** A user that may create databases and roles (the own instance's superuser). */
  adminUser: string;
  adminPassword: string;
  /** The own instance's data folder; null for one named by a URL. */
  dataDir: string | null;
  /** The own instance's postmaster (its backends are its children); null for one named by a URL. */
  pid(): number | null;
  /** Restarts the own instance (pg_ctl restart -m fast): connections drop, data stays. */
  restart(): void;
  stop(): void;
}

/** `initdb` refuses root: as root, the instance runs as the `postgres` user, which must own its folder. */
function asPostgresUser(cmd: string, args: string[]): { cmd: string; args: string[] } {
  return process.getuid?.() === 0 ? { cmd: 'runuser', args: ['-u', 'postgres', '--', cmd, ...args] } : { cmd, args };
}

function run(cmd: string, args: string[]): void {
  const c = asPostgresUser(cmd, args);
  const r = spawnSync(c.cmd, c.args, { encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(`${path.basename(cmd)} ${args.join(' ')} failed (exit ${r.status}):\n${r.stderr || r.stdout}`);
  }
}

export function postgresFromUrl(url: string): Postgres {
  const u = new URL(url);
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new Error(`TEMPORAL_CLUSTER_POSTGRES_URL must be postgres://user:password@host:port, not ${u.protocol}`);
  }
  return {
    host: u.hostname,
    port: Number(u.port || 5432),
    adminUser: decodeURIComponent(u.username || 'postgres'),
    adminPassword: decodeURIComponent(u.password),
    dataDir: null,
    pid: () => null,
    restart() {
      throw new Error('the cluster uses a PostgreSQL it does not run (TEMPORAL_CLUSTER_POSTGRES_URL): not restarted');
    },
    stop() {},
  };
}

/** An instance of its own in `dir` (made on first use, reused after), started on a free port. */
export async function startOwnPostgres(dir: string): Promise<Postgres> {
  if (!fs.existsSync(path.join(PG_BIN, 'initdb'))) {
    throw new Error(
      `no PostgreSQL binaries in ${PG_BIN} (apt-get install postgresql-15, or set PG_BIN, or TEMPORAL_CLUSTER_POSTGRES_URL)`,
    );
  }
  const dataDir = path.join(dir, 'data');
  const sockets = path.join(dir, 'sockets');
  fs.mkdirSync(sockets, { recursive: true });
  if (process.getuid?.() === 0) {
    execFileSync('chown', ['-R', 'postgres:postgres', dir]);
    // The postgres user must reach its folder: a private temp folder above it (mode 700) is opened for traversal.
    for (let d = path.dirname(dir); d !== path.dirname(d); d = path.dirname(d)) {
      const mode = fs.statSync(d).mode;
      if (!(mode & 0o001)) fs.chmodSync(d, mode | 0o001);
    }
  }
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    run(path.join(PG_BIN, 'initdb'), ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
  }
  const [port] = await freeLowPorts(1);
  const log = path.join(dir, 'postgres.log');
  // Settings for a test instance on a shared machine: few connections, fsync kept (a restart test must
  // find its data), the socket in our own folder.
  const options = `-p ${port} -k ${sockets} -c listen_addresses=127.0.0.1 -c max_connections=200`;
  const ctl = (...args: string[]) => run(path.join(PG_BIN, 'pg_ctl'), ['-D', dataDir, ...args]);
  ctl('-o', options, '-l', log, '-w', '-t', '60', 'start');
  return {
    host: '127.0.0.1',
    port,
    adminUser: 'postgres',
    adminPassword: '',
    dataDir,
    pid: () => {
      const file = path.join(dataDir, 'postmaster.pid');
      return fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8').split('\n')[0]) : null;
    },
    restart: () => ctl('-o', options, '-l', log, '-w', '-t', '60', '-m', 'fast', 'restart'),
    stop: () => {
      if (fs.existsSync(path.join(dataDir, 'postmaster.pid'))) ctl('-m', 'fast', '-w', 'stop');
    },
  };
}

/** One SQL statement as the admin user (psql from the same binaries). */
export function psql(pg: Postgres, sql: string): string {
  const r = spawnSync(
    path.join(PG_BIN, 'psql'),
    ['-h', pg.host, '-p', String(pg.port), '-U', pg.adminUser, '-d', 'postgres', '-tAc', sql],
    { encoding: 'utf8', env: { ...process.env, PGPASSWORD: pg.adminPassword } },
  );
  if (r.status !== 0) throw new Error(`psql: ${sql}: ${r.stderr}`);
  return r.stdout.trim();
}
