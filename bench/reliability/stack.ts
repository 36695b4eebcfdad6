/**
 * What one reliability scenario stands on: a real platform process (fault injection on, its own ports
 * and data), worker child processes on their own task queue, a Temporal client, and the whole output of
 * every process kept so the suite can check that no secret ever reached a log line.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { loadConfig, type Config } from '../../common/config';
import type { BusEvent } from '../../common/events';
import { pollerWorkflowId } from '../../common/linkage';
import { PlatformClient } from '../../scripts/lib/platform-client';
import type { Cluster } from '../../scripts/cluster/cluster';
import { startService, type ServiceProcess } from '../../scripts/service-process';
import { startPlatformProcess, type PlatformProcess } from '../../test/helpers/platform-process';

/** The Temporal the scenario uses; `restart` only when the suite owns the server (full run). */
export interface TemporalTarget {
  address: string;
  namespace: string;
  restart?: () => Promise<void>;
  /** `cluster`: the multi-service cluster on PostgreSQL, whose processes the cluster faults reach. */
  backend?: 'dev' | 'cluster';
  cluster?: Cluster;
}

export interface StackOptions {
  name: string;
  temporal: TemporalTarget;
  /** Extra worker environment (wins over the suite's short windows). */
  workerEnv?: Record<string, string>;
  platformLogLevel?: string;
  /** Extra platform environment, from the suite's admin token (e.g. a token map with more roles). */
  platformEnv?: (adminToken: string) => Record<string, string>;
}

export interface Stack {
  name: string;
  token: string;
  platform: PlatformProcess;
  api: PlatformClient;
  client: Client;
  taskQueue: string;
  workerEnv: Record<string, string>;
  config: Config;
  workers: ServiceProcess[];
  /** A worker process; `env` on top of the scenario's (e.g. another namespace). */
  startWorker(env?: Record<string, string>): Promise<ServiceProcess>;
  /** Every line the platform and the workers wrote (stdout and stderr), across restarts. */
  logLines(): string[];
  busEvents(tenantId?: string): Promise<BusEvent[]>;
  /** The poller's bus cursor (of the scenario's namespace, or `client`'s), or null while no worker answers. */
  cursor(client?: Client): Promise<number | null>;
  stop(): Promise<void>;
}

/** Short windows so hangs, outages and restarts resolve within a scenario, yet outlast every fault. */
export const SUITE_WORKER_ENV: Record<string, string> = {
  LINK_RETRY_WINDOW_SEC: '240',
  LINK_RETRY_MAX_INTERVAL_SEC: '2',
  LINK_HTTP_TIMEOUT_MS: '2000',
  POLLER_WAIT_MS: '2000',
  SYNC_WORKER_POLL_INTERVAL_SEC: '1',
  LOG_LEVEL: 'info',
};

class OutputCapture {
  private readonly lines: string[] = [];
  private readonly partial = new Map<string, string>();
  sink(source: string): (chunk: string) => void {
    return (chunk) => {
      const text = (this.partial.get(source) ?? '') + chunk;
      const parts = text.split('\n');
      this.partial.set(source, parts.pop() ?? '');
      for (const l of parts) if (l) this.lines.push(l);
    };
  }
  all(): string[] {
    return [...this.lines, ...[...this.partial.values()].filter(Boolean)];
  }
}

export async function createStack(opts: StackOptions): Promise<Stack> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `reliability-${opts.name}-`));
  const token = `rel-${randomBytes(18).toString('hex')}`;
  const capture = new OutputCapture();
  const platform = await startPlatformProcess({
    dataDir,
    env: {
      PLATFORM_FAULTS: '1',
      GATEWAY_TOKEN: token,
      LOG_LEVEL: opts.platformLogLevel ?? 'info',
      ...opts.platformEnv?.(token),
    },
    onOutput: capture.sink('platform'),
  });
  const api = new PlatformClient(platform.gatewayUrl, token, platform.datalakeUrl);
  const connection = await Connection.connect({ address: opts.temporal.address });
  const client = new Client({ connection, namespace: opts.temporal.namespace });
  const taskQueue = `reliability-${opts.name}-${Date.now().toString(36)}`;
  const workerEnv: Record<string, string> = {
    TEMPORAL_ADDRESS: opts.temporal.address,
    TEMPORAL_NAMESPACE: opts.temporal.namespace,
    TEMPORAL_TASK_QUEUE: taskQueue,
    GATEWAY_URL: platform.gatewayUrl,
    DATALAKE_URL: platform.datalakeUrl,
    GATEWAY_TOKEN: token,
    ...SUITE_WORKER_ENV,
    ...opts.workerEnv,
  };
  const workers: ServiceProcess[] = [];
  let n = 0;

  return {
    name: opts.name,
    token,
    platform,
    api,
    client,
    taskQueue,
    workerEnv,
    config: loadConfig(workerEnv),
    workers,
    async startWorker(env = {}) {
      const id = ++n;
      const w = await startService({
        name: `worker-${id}`,
        entry: 'worker/main.ts',
        env: { ...workerEnv, ...env },
        readyLine: 'WORKER_READY',
        readyTimeoutMs: 180_000,
        onOutput: capture.sink(`worker-${id}`),
      });
      workers.push(w);
      return w;
    },
    logLines: () => capture.all(),
    async busEvents(tenantId) {
      const out: BusEvent[] = [];
      let after = 0;
      for (;;) {
        const q = `after=${after}&limit=1000${tenantId ? `&tenantId=${encodeURIComponent(tenantId)}` : ''}`;
        const page = await api.ok<{ events: BusEvent[]; nextAfter: number }>('GET', `/api/events?${q}`);
        out.push(...page.events);
        if (page.events.length < 1000) return out;
        after = page.nextAfter;
      }
    },
    async cursor(other = client) {
      try {
        const handle = other.workflow.getHandle(pollerWorkflowId(taskQueue));
        return await handle.query<number>('cursor');
      } catch {
        return null;
      }
    },
    async stop() {
      for (const w of workers.splice(0).reverse()) await w.stop().catch(() => undefined);
      // The poller runs for ever: end it so the shared Temporal keeps no orphan.
      await client.workflow
        .getHandle(pollerWorkflowId(taskQueue))
        .terminate('reliability scenario finished')
        .catch(() => undefined);
      await connection.close().catch(() => undefined);
      await platform.stop().catch(() => undefined);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
