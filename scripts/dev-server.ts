/**
 * Launches the embedded Temporal: `temporal server start-dev` with its SQLite file under .data/ (so
 * history survives a restart), the project's search attributes registered, and readiness checked
 * over gRPC (and over HTTP for the Web UI) instead of sleeping.
 *
 * Run directly (`npm run temporal`) it serves until Ctrl-C.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { DATA_DIR, temporalCliPath } from './lib/paths';
import { ALL_SEARCH_ATTRIBUTES, searchAttributeArgs } from '../common/search-attributes';
import { stopOnSignals } from '../common/shutdown';
import { killWithParent, stopChild } from './service-process';

export interface DevServerOptions {
  /** SQLite file; `null` keeps history in memory only (tests). */
  dbFile?: string | null;
  ip?: string;
  port?: number;
  uiPort?: number;
  /** false = no Web UI (--headless). */
  ui?: boolean;
  namespace?: string;
  readyTimeoutMs?: number;
  /** Where the server's own log lines go; default: a file next to the db, or discarded. */
  logFile?: string;
  /** Dynamic config over DEV_SERVER_DYNAMIC_CONFIG, `key=value` (a lowered limit a test drives into). */
  dynamicConfig?: string[];
  /** SQLite pragmas over DEV_SERVER_SQLITE_PRAGMAS (the benchmark's before/after runs). */
  sqlitePragmas?: Record<string, string>;
}

/**
 * The embedded server's dynamic config, each value chosen by measurement (`npm run bench`, docs/benchmark.md;
 * the README's benchmark section gives the effect of each):
 */
export const DEV_SERVER_DYNAMIC_CONFIG: Record<string, string> = {
  // The operator CLI's `workflow update` and the tests' updates.
  'frontend.enableUpdateWorkflowExecution': 'true',
  // Left as the CLI sets it (true), although turning it off saves about 2 ms of server CPU per linkage: off,
  // search attributes registered in a new namespace stay unknown for up to a minute, so a worker's first
  // starts there are refused and dead-lettered (test/linkage/repair.test.ts's fresh-namespace cases).
  // Off on the server by default, which makes the SDK's eager activity dispatch a no-op: the poller's next
  // read then goes straight back to the worker that completed the workflow task.
  'system.enableActivityEagerExecution': 'true',
  // Each tenant's runs dispatched fairly against the others' backlog (their starts carry the tenant as
  // fairness key; docs/operations/tenant-fairness.md, which also says how to switch it on a server that has
  // a backlog). Fair tasks live in their own table (tasks_v2), which every SQLite file of this version has.
  'matching.enableFairness': 'true',
};

/**
 * SQLite pragmas: WAL with NORMAL sync (one fsync per checkpoint instead of per commit; a machine crash may
 * lose the last commits of a dev server, never corrupt it).
 */
export const DEV_SERVER_SQLITE_PRAGMAS: Record<string, string> = {
  journal_mode: 'wal',
  synchronous: 'normal',
};

/** `key=value` pairs over a base, later keys winning. */
function merged(base: Record<string, string>, over: string[] | Record<string, string> = {}): [string, string][] {
  const out = { ...base };
  const pairs = Array.isArray(over)
    ? over.map((kv) => kv.split(/=(.*)/s, 2) as [string, string])
    : Object.entries(over);
  for (const [k, v] of pairs) out[k] = v;
  return Object.entries(out);
}

const FAIRNESS = 'matching.enableFairness';

/**
 * A task queue's backlog lives in the task table of the fairness mode it was queued under, and a server
 * serves only the table of its current mode: switching a file that holds a backlog strands those runs
 * until it is switched back (docs/operations/tenant-fairness.md). So a db file keeps the mode it was made
 * with (`<db>.fairness`); a file made before fairness existed keeps it off. Only an explicit
 * DEV_SERVER_FAIRNESS=on|off (or a caller's own dynamic config) switches it, once its queues are drained.
 */
function keepFairnessMode(
  dbFile: string | null,
  config: [string, string][],
  explicit: DevServerOptions['dynamicConfig'],
) {
  if (!dbFile) return;
  const entry = config.find(([k]) => k === FAIRNESS);
  if (!entry) return;
  const marker = `${dbFile}.fairness`;
  const asked = process.env.DEV_SERVER_FAIRNESS;
  const override = (Array.isArray(explicit) ? explicit : Object.keys(explicit ?? {})).some((kv) =>
    kv.startsWith(FAIRNESS),
  );
  if (asked === 'on' || asked === 'off') entry[1] = String(asked === 'on');
  else if (!override && fs.existsSync(dbFile)) {
    const kept = fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8').trim() : 'off';
    if (kept !== 'on' && entry[1] === 'true') {
      console.warn(
        `dev server: ${dbFile} was made without fairness keys and keeps that mode (a backlog queued there would ` +
          'be stranded by a switch); to switch once its runs are drained: DEV_SERVER_FAIRNESS=on ' +
          '(docs/operations/tenant-fairness.md)',
      );
    }
    entry[1] = String(kept === 'on');
  }
  fs.writeFileSync(marker, entry[1] === 'true' ? 'on\n' : 'off\n');
}

export interface DevServer {
  address: string;
  uiUrl: string | null;
  namespace: string;
  process: ChildProcess;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  const bin = temporalCliPath();
  if (!fs.existsSync(bin)) {
    throw new Error(`Temporal CLI not found at ${bin}: run 'npm run setup' or set TEMPORAL_CLI_PATH`);
  }
  const ip = opts.ip ?? '127.0.0.1';
  const port = opts.port ?? 7233;
  const uiPort = opts.uiPort ?? 8233;
  const ui = opts.ui ?? true;
  const namespace = opts.namespace ?? 'default';
  const dbFile = opts.dbFile === undefined ? path.join(DATA_DIR, 'temporal', 'temporal.db') : opts.dbFile;

  const args = ['server', 'start-dev', '--ip', ip, '--port', String(port), '--namespace', namespace];
  args.push('--log-level', 'warn', '--log-format', 'json');
  if (dbFile) {
    fs.mkdirSync(path.dirname(dbFile), { recursive: true });
    args.push('--db-filename', dbFile);
    for (const [k, v] of merged(DEV_SERVER_SQLITE_PRAGMAS, opts.sqlitePragmas))
      args.push('--sqlite-pragma', `${k}=${v}`);
  }
  if (ui) args.push('--ui-ip', ip, '--ui-port', String(uiPort));
  else args.push('--headless');
  for (const sa of searchAttributeArgs()) args.push('--search-attribute', sa);
  const dynamicConfig = merged(DEV_SERVER_DYNAMIC_CONFIG, opts.dynamicConfig);
  keepFairnessMode(dbFile, dynamicConfig, opts.dynamicConfig);
  for (const [k, v] of dynamicConfig) args.push('--dynamic-config-value', `${k}=${v}`);

  const logFile = opts.logFile ?? (dbFile ? `${dbFile}.log` : undefined);
  const out = logFile ? fs.openSync(logFile, 'a') : 'ignore';
  const child = spawn(bin, args, { stdio: ['ignore', out, out], detached: true });
  killWithParent(child);
  if (typeof out === 'number') fs.closeSync(out);

  let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exitPromise = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    }),
  );

  const address = `${ip}:${port}`;
  const uiUrl = ui ? `http://${ip}:${uiPort}` : null;
  const server: DevServer = {
    address,
    uiUrl,
    namespace,
    process: child,
    stop: (graceMs = 10_000) => stopChild(child, exitPromise, graceMs),
  };

  try {
    await waitReady(address, namespace, uiUrl, opts.readyTimeoutMs ?? 60_000, () => exited);
  } catch (err) {
    await server.stop(1000);
    const tail = logFile && fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').slice(-2000) : '';
    throw new Error(`${(err as Error).message}${tail ? `\n--- ${logFile} (tail) ---\n${tail}` : ''}`);
  }
  return server;
}

/** Ready = gRPC answers, the namespace exists, our search attributes are registered, the UI serves. */
async function waitReady(
  address: string,
  namespace: string,
  uiUrl: string | null,
  timeoutMs: number,
  exited: () => { code: number | null; signal: NodeJS.Signals | null } | null,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no answer yet';
  while (Date.now() < deadline) {
    const ex = exited();
    if (ex) throw new Error(`temporal server exited early (code ${ex.code}, signal ${ex.signal})`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
        const missing = ALL_SEARCH_ATTRIBUTES.filter((k) => !(k.name in (customAttributes ?? {})));
        if (missing.length) throw new Error(`search attributes not registered yet: ${missing.map((k) => k.name)}`);
      } finally {
        await connection.close();
      }
      if (uiUrl) {
        const res = await fetch(uiUrl, { signal: AbortSignal.timeout(1000) });
        if (!res.ok) throw new Error(`Web UI answered ${res.status}`);
      }
      return;
    } catch (err) {
      lastError = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Temporal dev server at ${address} not ready after ${timeoutMs} ms: ${lastError}`);
}

if (require.main === module) {
  const port = Number(process.env.TEMPORAL_PORT ?? 7233);
  const uiPort = Number(process.env.TEMPORAL_UI_PORT ?? 8233);
  const starting = startDevServer({ port, uiPort });
  // Ctrl-C while it starts: it is stopped once started (it runs in its own process group).
  stopOnSignals(async () => (await starting.catch(() => null))?.stop());
  starting
    .then((server) => console.log(`Temporal dev server ready: gRPC ${server.address}, Web UI ${server.uiUrl}`))
    .catch((err) => {
      console.error(String(err instanceof Error ? err.message : err));
      process.exit(1);
    });
}
