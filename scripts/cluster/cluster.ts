/**
 * A multi-service Temporal cluster on PostgreSQL, run as processes (no Docker): frontend, two history
 * processes in one membership ring, matching and worker each a process of its own, plus the Web UI server.
 * It makes the databases, role and schema (and upgrades the schema when the version moves), writes one
 * server config per process, registers the namespace and the linkage search attributes, and waits until a
 * linkage run could start. `npm run temporal:cluster` runs it until Ctrl-C; the tests and the benchmark
 * start it with `startCluster()`.
 *
 * Settings shared with docker-compose.temporal.yml (test/deploy/cluster-compose.test.ts holds them equal):
 * CLUSTER_SETTINGS below and the dynamic config file next to this one.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { stringify } from 'yaml';
import { TOOLS_BIN } from '../lib/paths';
import {
  LinkageBusinessKeys,
  LinkageEventId,
  LinkageEventType,
  LinkageOutcome,
  LinkageTenant,
} from '../../common/search-attributes';
import { freeLowPorts } from '../lib/ports';
import { waitFor } from '../../ops/gateway-admin';
import { createNamespace } from '../temporal-namespace';
import { killWithParent, stopChild } from '../service-process';
import { postgresFromUrl, psql, startOwnPostgres, type Postgres } from './postgres';

/** What the launcher and the compose file agree on. */
export const CLUSTER_SETTINGS = {
  serverVersion: '1.29.1',
  /** The schema folders embedded in temporal-sql-tool, for the postgres12 plugin. */
  schema: { temporal: 'postgresql/v12/temporal', visibility: 'postgresql/v12/visibility' },
  databases: { temporal: 'temporal', visibility: 'temporal_visibility' },
  /** Fixed for the life of a cluster: more shards than history processes, so shards can move. */
  numHistoryShards: 8,
  role: { user: 'temporal', password: 'temporal' },
} as const;

export const DYNAMIC_CONFIG_FILE = path.join(__dirname, 'dynamicconfig.yaml');

export const clusterBinary = {
  server: () => process.env.TEMPORAL_SERVER_PATH || path.join(TOOLS_BIN, 'temporal-server'),
  sqlTool: () => process.env.TEMPORAL_SQL_TOOL_PATH || path.join(TOOLS_BIN, 'temporal-sql-tool'),
  ui: () => process.env.TEMPORAL_UI_SERVER_PATH || path.join(TOOLS_BIN, 'temporal-ui-server'),
};

export type ServiceName = 'frontend' | 'history-1' | 'history-2' | 'matching' | 'worker' | 'ui';

export interface ClusterOptions {
  /** Configs, logs and the own PostgreSQL's data. */
  dir: string;
  /** An existing PostgreSQL (its user may create databases); default: an instance of the cluster's own. */
  postgresUrl?: string;
  /** The frontend's gRPC port; default a free one. */
  frontendPort?: number;
  /** The Web UI's port; null: no UI. Default a free one. */
  uiPort?: number | null;
  namespace?: string;
}

export interface Cluster {
  address: string;
  uiUrl: string | null;
  namespace: string;
  postgres: Postgres;
  /** The Prometheus endpoint of each server process. */
  metricsUrls: Record<string, string>;
  pids(): Record<string, number | undefined>;
  /** SIGKILL one process (a fault test). */
  kill(service: ServiceName): Promise<void>;
  /** Start a stopped or killed process again, with the same config. */
  restart(service: ServiceName): Promise<void>;
  stop(): Promise<void>;
}

interface Proc {
  child: ChildProcess;
  exited: Promise<void>;
}

/**
 * Starts the cluster; when one of its processes dies while starting (a port taken meanwhile by another
 * program), everything is stopped and started once more on other ports.
 */
export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  try {
    return await startClusterOnce(opts);
  } catch (err) {
    if (!(err instanceof ProcessExited)) throw err;
    console.warn(`${err.message.split('\n')[0]}; starting the cluster again on other ports`);
    return startClusterOnce(opts);
  }
}

class ProcessExited extends Error {}

async function startClusterOnce(opts: ClusterOptions): Promise<Cluster> {
  for (const [name, bin] of Object.entries(clusterBinary)) {
    if (!fs.existsSync(bin())) {
      throw new Error(`the cluster's ${name} binary is missing at ${bin()}: run 'bash scripts/setup.sh --cluster'`);
    }
  }
  fs.mkdirSync(opts.dir, { recursive: true });
  const namespace = opts.namespace ?? 'default';
  const postgres = opts.postgresUrl
    ? postgresFromUrl(opts.postgresUrl)
    : await startOwnPostgres(path.join(opts.dir, 'postgres'));
  const procs = new Map<ServiceName, Proc>();
  const stopAll = async () => {
    await Promise.all([...procs.values()].map((p) => stopChild(p.child, p.exited, 10_000)));
    postgres.stop();
  };
  try {
    const db = setupDatabases(postgres, opts.postgresUrl ? null : CLUSTER_SETTINGS.role);
    // Below the OS's ephemeral range (from 32768): a port picked there can be taken by any outgoing
    // connection before the server binds it; and membership ports are kept in a smallint column anyway.
    const all = await freeLowPorts(21);
    const ports = all.slice(0, 16);
    const membership = all.slice(16);
    const frontendPort = opts.frontendPort ?? ports[0];
    const uiPort = opts.uiPort === undefined ? ports[1] : opts.uiPort;
    const configDir = path.join(opts.dir, 'config');
    const logs = path.join(opts.dir, 'logs');
    fs.mkdirSync(configDir, { recursive: true });
    fs.mkdirSync(logs, { recursive: true });

    // Each process gets its own gRPC, membership and metrics ports; they find each other through the
    // membership table in PostgreSQL.
    const services: { name: Exclude<ServiceName, 'ui'>; service: string; grpc: number }[] = [
      { name: 'frontend', service: 'frontend', grpc: frontendPort },
      { name: 'history-1', service: 'history', grpc: ports[2] },
      { name: 'history-2', service: 'history', grpc: ports[3] },
      { name: 'matching', service: 'matching', grpc: ports[4] },
      { name: 'worker', service: 'worker', grpc: ports[5] },
    ];
    const metricsUrls: Record<string, string> = {};
    const rpcOf = (i: number) => ({
      grpcPort: services[i].grpc,
      membershipPort: membership[i],
      bindOnIP: '127.0.0.1',
      ...(services[i].service === 'frontend' ? { httpPort: ports[15] } : {}),
    });
    services.forEach((s, i) => {
      const metricsPort = ports[6 + i];
      metricsUrls[s.name] = `http://127.0.0.1:${metricsPort}/metrics`;
      // Every service is listed (membership tracks them all); the process runs its own, on its own ports.
      const rpc: Record<string, { rpc: object }> = {};
      services.forEach((o, j) => {
        if (!rpc[o.service] || o.name === s.name) rpc[o.service] = { rpc: rpcOf(j) };
      });
      const config = serverConfig({ db, services: rpc, metricsPort, frontendAddress: `127.0.0.1:${frontendPort}` });
      fs.writeFileSync(path.join(configDir, `${s.name}.yaml`), stringify(config));
    });

    const start = (name: ServiceName): Proc => {
      const out = fs.openSync(path.join(logs, `${name}.log`), 'a');
      const child =
        name === 'ui'
          ? spawn(clusterBinary.ui(), ['--root', opts.dir, '--config', 'ui', '--env', 'ui', 'start'], {
              stdio: ['ignore', out, out],
              detached: true,
            })
          : spawn(
              clusterBinary.server(),
              ['--root', opts.dir, '--config', 'config', '--env', name, '--allow-no-auth', 'start', '--service'].concat(
                services.find((s) => s.name === name)!.service,
              ),
              { stdio: ['ignore', out, out], detached: true },
            );
      fs.closeSync(out);
      killWithParent(child);
      const proc = { child, exited: new Promise<void>((r) => child.once('exit', () => r())) };
      procs.set(name, proc);
      return proc;
    };
    for (const s of services) start(s.name);
    if (uiPort !== null) {
      fs.mkdirSync(path.join(opts.dir, 'ui'), { recursive: true });
      fs.writeFileSync(
        path.join(opts.dir, 'ui', 'ui.yaml'),
        stringify({
          temporalGrpcAddress: `127.0.0.1:${frontendPort}`,
          host: '127.0.0.1',
          port: uiPort,
          enableUi: true,
          defaultNamespace: namespace,
          cors: { allowOrigins: [`http://127.0.0.1:${uiPort}`] },
          refreshInterval: '1m',
          notifyOnNewVersion: false,
        }),
      );
      start('ui');
    }

    const address = `127.0.0.1:${frontendPort}`;
    await waitReady(address, namespace, procs, logs);
    const uiUrl = uiPort === null ? null : `http://127.0.0.1:${uiPort}`;
    if (uiUrl) await waitFor('the Web UI', async () => (await fetch(uiUrl).catch(() => null))?.ok, 60_000, 500);

    return {
      address,
      uiUrl,
      namespace,
      postgres,
      metricsUrls,
      pids: () => Object.fromEntries([...procs].map(([k, p]) => [k, p.child.pid])),
      async kill(name) {
        const p = procs.get(name);
        if (!p) return;
        p.child.kill('SIGKILL');
        await p.exited;
      },
      async restart(name) {
        const p = procs.get(name);
        if (p && p.child.exitCode === null && p.child.signalCode === null) await stopChild(p.child, p.exited, 10_000);
        start(name);
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

interface DbSettings {
  host: string;
  port: number;
  user: string;
  password: string;
}

/**
 * Databases, role and schema: created when missing, the schema brought to the version temporal-sql-tool
 * embeds (a no-op when it is there already, an upgrade when the server version moved).
 */
function setupDatabases(pg: Postgres, role: { user: string; password: string } | null): DbSettings {
  if (role && psql(pg, `SELECT 1 FROM pg_roles WHERE rolname = '${role.user}'`) !== '1') {
    psql(pg, `CREATE ROLE ${role.user} LOGIN CREATEDB PASSWORD '${role.password}'`);
  }
  const db: DbSettings = {
    host: pg.host,
    port: pg.port,
    user: role?.user ?? pg.adminUser,
    password: role?.password ?? pg.adminPassword,
  };
  const tool = (database: string, ...args: string[]) => {
    const r = spawnSync(
      clusterBinary.sqlTool(),
      [
        '--plugin',
        'postgres12',
        '--ep',
        db.host,
        '-p',
        String(db.port),
        '-u',
        db.user,
        '--pw',
        db.password,
        '--db',
        database,
        ...args,
      ],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`temporal-sql-tool ${args.join(' ')} (${database}): ${r.stderr || r.stdout}`);
    return r.stdout + r.stderr;
  };
  for (const [key, database] of Object.entries(CLUSTER_SETTINGS.databases) as ['temporal' | 'visibility', string][]) {
    const exists = psql(pg, `SELECT 1 FROM pg_database WHERE datname = '${database}'`) === '1';
    if (!exists) {
      tool(database, 'create-database');
      tool(database, 'setup-schema', '-v', '0.0');
    }
    tool(database, 'update-schema', '--schema-name', CLUSTER_SETTINGS.schema[key]);
  }
  return db;
}

function serverConfig(c: {
  db: DbSettings;
  services: Record<string, { rpc: object }>;
  metricsPort: number;
  frontendAddress: string;
}): object {
  const sql = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${c.db.host}:${c.db.port}`,
      connectProtocol: 'tcp',
      user: c.db.user,
      password: c.db.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  return {
    log: { stdout: true, level: 'warn', format: 'json' },
    persistence: {
      defaultStore: 'default',
      visibilityStore: 'visibility',
      numHistoryShards: CLUSTER_SETTINGS.numHistoryShards,
      datastores: {
        default: sql(CLUSTER_SETTINGS.databases.temporal, 20),
        visibility: sql(CLUSTER_SETTINGS.databases.visibility, 10),
      },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
      metrics: {
        prometheus: { framework: 'tally', timerType: 'histogram', listenAddress: `127.0.0.1:${c.metricsPort}` },
      },
    },
    services: c.services,
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: c.frontendAddress },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    publicClient: { hostPort: c.frontendAddress },
    dynamicConfigClient: { filepath: DYNAMIC_CONFIG_FILE, pollInterval: '10s' },
  };
}

/**
 * Ready = the frontend answers, the namespace exists with our search attributes, and a workflow carrying
 * them can start: right after they are added, other services may not know them yet.
 */
async function waitReady(
  address: string,
  namespace: string,
  procs: Map<ServiceName, Proc>,
  logs: string,
): Promise<void> {
  // A process that dies while the cluster starts ends the wait at once, with the tail of its log.
  let onExit: (() => void) | undefined;
  const died = new Promise<never>((_, reject) => {
    onExit = () => {
      const [name] = [...procs].find(([, p]) => p.child.exitCode !== null || p.child.signalCode !== null) ?? [];
      if (!name) return;
      const tail = fs.readFileSync(path.join(logs, `${name}.log`), 'utf8').slice(-2000);
      reject(new ProcessExited(`the cluster's ${name} process exited while it started:\n${tail}`));
    };
    for (const p of procs.values()) p.child.once('exit', onExit);
  });
  died.catch(() => undefined);
  try {
    await Promise.race([died, ready(address, namespace)]);
  } finally {
    for (const p of procs.values()) p.child.off('exit', onExit!);
  }
}

async function ready(address: string, namespace: string): Promise<void> {
  const connection = await waitFor(
    'the frontend',
    async () => {
      const conn = await Connection.connect({ address, connectTimeout: 1000 }).catch(() => null);
      if (!conn) return null;
      const ok = await conn.workflowService
        .getSystemInfo({})
        .then(() => true)
        .catch(() => false);
      if (!ok) await conn.close();
      return ok ? conn : null;
    },
    120_000,
    500,
  );
  try {
    const client = new Client({ connection, namespace });
    await createNamespace(client, namespace, { retention: '30 days' });
    await waitFor('a start with the search attributes', () => probeStart(client), 120_000, 1000);
  } finally {
    await connection.close();
  }
}

/** Starts (and terminates) a workflow with every linkage search attribute: true once the cluster takes it. */
async function probeStart(client: Client): Promise<boolean> {
  const workflowId = `cluster-ready-probe-${Date.now()}`;
  try {
    const handle = await client.workflow.start('ClusterReadyProbe', {
      workflowId,
      taskQueue: 'cluster-ready-probe',
      typedSearchAttributes: [
        { key: LinkageEventType, value: 'probe' },
        { key: LinkageEventId, value: workflowId },
        { key: LinkageTenant, value: 'probe' },
        { key: LinkageBusinessKeys, value: ['probe'] },
        { key: LinkageOutcome, value: 'probe' },
      ],
    });
    await handle.terminate('readiness probe');
    return true;
  } catch {
    return false;
  }
}
