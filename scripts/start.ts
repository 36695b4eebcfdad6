/**
 * `npm start`: the embedded default stack on one machine —
 *   1. the Temporal dev server (SQLite under .data/temporal, Web UI on 8233), or with
 *      TEMPORAL_BACKEND=cluster the multi-service cluster on PostgreSQL (scripts/cluster/cluster.ts, data
 *      under .data/cluster, the same ports),
 *   2. the reference platform (gateway 8000, cells 8001-8004, data lake 8006; data under .data/platform),
 *   3. the linkage worker with every linkage on and DATALAKE_URL pointing at the embedded data lake.
 * Ctrl-C stops all of it cleanly, in reverse order.
 */
import path from 'node:path';
import { ConfigError } from '../common/config';
import { createLogger, logFormat, type Logger } from '../common/logger';
import { DATA_DIR } from './lib/paths';
import { freePorts } from './lib/ports';
import { startCluster } from './cluster/cluster';
import { startDevServer } from './dev-server';
import { stopOnSignals } from '../common/shutdown';
import { startService, type ServiceProcess } from './service-process';

export interface StackOptions {
  temporalPort?: number;
  uiPort?: number;
  gatewayPort?: number;
  datalakePort?: number;
  dataDir?: string;
  /** Extra environment for the platform and the worker. */
  env?: NodeJS.ProcessEnv;
  /** Every port (Temporal, Web UI, gateway, cells, data lake) taken free: tests and scripts beside a running stack. */
  freePorts?: boolean;
  inheritOutput?: boolean;
  /** Where `npm start` reports its progress (Temporal ready, platform ready, ...); none by default. */
  log?: Logger;
  /** The Temporal to run: the dev server (default) or the cluster; default TEMPORAL_BACKEND. */
  backend?: Backend;
  /** Aborted (Ctrl-C during start-up): the start ends after the step in progress, what started is stopped. */
  signal?: AbortSignal;
}

export type Backend = 'dev' | 'cluster';

/** TEMPORAL_BACKEND: `dev` (default) or `cluster`; anything else is refused, naming the variable. */
export function backendFromEnv(env: NodeJS.ProcessEnv = process.env): Backend {
  const v = env.TEMPORAL_BACKEND || 'dev';
  if (v !== 'dev' && v !== 'cluster') throw new Error(`TEMPORAL_BACKEND=${JSON.stringify(v)}: must be dev or cluster`);
  return v;
}

export interface Stack {
  temporalAddress: string;
  uiUrl: string;
  gatewayUrl: string;
  datalakeUrl: string;
  stop(): Promise<void>;
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  if (opts.freePorts) {
    const [temporalPort, uiPort, gatewayPort, datalakePort, crm, erp, oa, srm] = await freePorts(8);
    const cells = { CRM_PORT: String(crm), ERP_PORT: String(erp), OA_PORT: String(oa), SRM_PORT: String(srm) };
    return startStack({
      ...opts,
      freePorts: false,
      temporalPort,
      uiPort,
      gatewayPort,
      datalakePort,
      env: { ...cells, ...opts.env },
    });
  }
  const env = opts.env ?? {};
  const num = (v: string | undefined, d: number) => (v ? Number(v) : d);
  const temporalPort = opts.temporalPort ?? num(process.env.TEMPORAL_PORT, 7233);
  const uiPort = opts.uiPort ?? num(process.env.TEMPORAL_UI_PORT, 8233);
  const gatewayPort = opts.gatewayPort ?? num(process.env.GATEWAY_PORT, 8000);
  const datalakePort = opts.datalakePort ?? num(process.env.DATALAKE_PORT, 8006);
  const dataDir = opts.dataDir ?? DATA_DIR;

  const started: { stop(): Promise<void> }[] = [];
  const stopAll = async () => {
    for (const s of started.reverse()) await s.stop();
  };
  const log = opts.log;
  try {
    const backend = opts.backend ?? backendFromEnv();
    log?.info(`starting Temporal (${backend === 'cluster' ? 'the cluster on PostgreSQL' : 'the dev server'})`);
    const temporal =
      backend === 'cluster'
        ? await startCluster({
            dir: path.join(dataDir, 'cluster'),
            frontendPort: temporalPort,
            uiPort,
            postgresUrl: process.env.TEMPORAL_CLUSTER_POSTGRES_URL || undefined,
          })
        : await startDevServer({ port: temporalPort, uiPort, dbFile: path.join(dataDir, 'temporal', 'temporal.db') });
    started.push(temporal);
    log?.info({ address: temporal.address, ui: temporal.uiUrl }, 'Temporal ready');

    const platform: ServiceProcess = await startService({
      name: 'platform',
      entry: 'platform/main.ts',
      env: {
        GATEWAY_PORT: String(gatewayPort),
        DATALAKE_PORT: String(datalakePort),
        PLATFORM_DATA_DIR: path.join(dataDir, 'platform'),
        ...env,
      },
      readyLine: 'PLATFORM_READY',
      inheritOutput: opts.inheritOutput,
      signal: opts.signal,
    });
    started.push(platform);
    const urls = JSON.parse(platform.readyPayload) as { gatewayUrl: string; datalakeUrl: string };
    log?.info('starting the linkage worker');

    const worker = await startService({
      name: 'worker',
      entry: 'worker/main.ts',
      env: {
        TEMPORAL_ADDRESS: temporal.address,
        GATEWAY_URL: urls.gatewayUrl,
        // The embedded default shows every linkage rule, the data lake included.
        DATALAKE_URL: urls.datalakeUrl,
        LINK_CRM_TO_ERP: '1',
        LINK_ERP_TO_SRM: '1',
        LINK_ALL_TO_OA: '1',
        LINK_ALL_TO_DATALAKE: '1',
        TEMPORAL_UI_URL: temporal.uiUrl ?? undefined,
        ...env,
      },
      readyLine: 'WORKER_READY',
      readyTimeoutMs: 120_000,
      inheritOutput: opts.inheritOutput,
      signal: opts.signal,
    });
    started.push(worker);

    return {
      temporalAddress: temporal.address,
      uiUrl: temporal.uiUrl!,
      gatewayUrl: urls.gatewayUrl,
      datalakeUrl: urls.datalakeUrl,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

if (require.main === module) {
  let log: Logger;
  try {
    log = createLogger('npm-start');
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`npm start: ${err.message}`);
    process.exit(2);
  }
  // Before anything starts: Ctrl-C during start-up stops what has started (startStack's own clean-up).
  // (The handler runs on a later turn of the event loop, once `starting` is set.)
  const interrupted = new AbortController();
  stopOnSignals(async () => {
    interrupted.abort();
    log.info('stopping worker, platform and Temporal...');
    await starting.then(
      (stack) => stack.stop(),
      () => undefined,
    );
  });
  const starting = startStack({ inheritOutput: process.env.STACK_QUIET !== '1', log, signal: interrupted.signal });
  starting
    .then((stack) => {
      // JSON lines stay JSON lines; a person on a terminal gets the summary as text.
      if (logFormat() === 'json') {
        const { temporalAddress: temporal, uiUrl: ui, gatewayUrl: gateway, datalakeUrl: datalake } = stack;
        log.info({ temporal, ui, gateway, datalake }, 'paas-linkage is running');
      } else {
        console.log(
          [
            '',
            'paas-linkage is running:',
            `  Temporal      ${stack.temporalAddress}`,
            `  Web UI        ${stack.uiUrl}`,
            `  Gateway       ${stack.gatewayUrl}`,
            `  Data lake     ${stack.datalakeUrl}`,
            '  Try `npm run demo` in another terminal. Ctrl-C stops everything.',
            '',
          ].join('\n'),
        );
      }
    })
    .catch((err) => {
      if (interrupted.signal.aborted) return; // the signal handler ends the process
      console.error(`npm start failed: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    });
}
