/**
 * What a linkage test stands on: the jest run's real Temporal dev server, a real platform process
 * (fault injection on) on its own ports and data, a client, and linkage workers either in this process
 * (fast) or as child processes (to SIGKILL them). Each suite gets its own task queue.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleLinkageWorkflows } from '../../worker/workflow-bundle';
import { loadConfig, type Config } from '../../common/config';
import type { BusEvent } from '../../common/events';
import { linkageWorkflowId } from '../../common/linkage';
import { PlatformClient } from '../../scripts/lib/platform-client';
import { waitFor } from '../../ops/gateway-admin';
import { startService, type ServiceProcess } from '../../scripts/service-process';
import type { OpsContext } from '../../ops/context';
import { startLinkage } from '../../starter/start-linkage';
import { createLinkageWorker } from '../../worker/create-worker';
import { startPlatformProcess, type PlatformProcess } from './platform-process';

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** Bundling the workflows takes seconds: once per jest process. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleLinkageWorkflows();
  return bundle;
}
let bundleFile: Promise<string> | undefined;
/** The same bundle as a file, for worker child processes (WORKFLOW_BUNDLE_PATH): no bundling at their start. */
export function workflowBundleFile(): Promise<string> {
  bundleFile ??= workflowBundle().then(({ code }) => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'linkage-bundle-')), 'workflow-bundle.js');
    fs.writeFileSync(file, code);
    return file;
  });
  return bundleFile;
}
export interface LinkageEnv {
  platform: PlatformProcess;
  api: PlatformClient;
  client: Client;
  taskQueue: string;
  /** Environment of every worker of this suite (overrides per worker on top). */
  env: Record<string, string>;
  config(overrides?: Record<string, string>): Config;
  /** An in-process worker; resolves once it runs. */
  startWorker(overrides?: Record<string, string>): Promise<{ stop(): Promise<void> }>;
  /** A worker child process (`tsx worker/main.ts`), for crash tests. */
  startWorkerProcess(overrides?: Record<string, string>): Promise<ServiceProcess>;
  /** Starts an event's workflow directly (no poller), with the toggles of `overrides`. */
  startFromEvent(event: BusEvent, overrides?: Record<string, string>): Promise<boolean>;
  /** The bus events after `after`, every one of them. */
  events(after?: number): Promise<BusEvent[]>;
  /** The first bus event matching, once it is on the bus. */
  busEvent(what: string, match: (e: BusEvent) => boolean): Promise<BusEvent>;
  /** The run of the first bus event matching, once the poller has started it. */
  runOf(what: string, match: (e: BusEvent) => boolean): Promise<{ event: BusEvent; handle: WorkflowHandle }>;
  stop(): Promise<void>;
}

export async function createLinkageEnv(
  name: string,
  env: Record<string, string> = {},
  /** Extra environment of the platform process (e.g. OTEL_* for tracing). */
  opts: { platformEnv?: Record<string, string> } = {},
): Promise<LinkageEnv> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `linkage-${name}-`));
  const platform = await startPlatformProcess({ dataDir, env: { PLATFORM_FAULTS: '1', ...opts.platformEnv } });
  const api = new PlatformClient(platform.gatewayUrl, platform.token, platform.datalakeUrl);
  // The jest run's dev server, unless the suite names another Temporal (the cluster).
  const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS ?? process.env.TEMPORAL_ADDRESS });
  const client = new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' });
  const taskQueue = `${name}-${Date.now().toString(36)}`;
  const baseEnv: Record<string, string> = {
    TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS!,
    TEMPORAL_TASK_QUEUE: taskQueue,
    GATEWAY_URL: platform.gatewayUrl,
    DATALAKE_URL: platform.datalakeUrl,
    GATEWAY_TOKEN: platform.token,
    // Backoff capped at 1 s so retries happen within a test; the window stays wide enough for a worker
    // restart on a loaded machine (tests that need a window to close set a short one themselves).
    LINK_RETRY_WINDOW_SEC: '300',
    LINK_RETRY_MAX_INTERVAL_SEC: '1',
    LINK_HTTP_TIMEOUT_MS: '3000',
    POLLER_WAIT_MS: '2000',
    SYNC_WORKER_POLL_INTERVAL_SEC: '1',
    LOG_LEVEL: 'warn',
    ...env,
  };
  const config = (overrides: Record<string, string> = {}) => loadConfig({ ...baseEnv, ...overrides });
  const running: { stop(): Promise<void> }[] = [];

  const linkageEnv: LinkageEnv = {
    platform,
    api,
    client,
    taskQueue,
    env: baseEnv,
    config,
    async startWorker(overrides = {}) {
      const lw = await createLinkageWorker(config(overrides), { workflowBundle: await workflowBundle() });
      let resolveRunning: () => void;
      const isRunning = new Promise<void>((r) => (resolveRunning = r));
      const done = lw.run(() => resolveRunning());
      await Promise.race([isRunning, done]);
      const handle = {
        async stop() {
          if (lw.worker.getState() === 'RUNNING') lw.worker.shutdown();
          await done;
        },
      };
      running.push(handle);
      return handle;
    },
    async startWorkerProcess(overrides = {}) {
      const proc = await startService({
        name: 'worker',
        entry: 'worker/main.ts',
        env: { WORKFLOW_BUNDLE_PATH: await workflowBundleFile(), ...baseEnv, ...overrides },
        readyLine: 'WORKER_READY',
        readyTimeoutMs: 120_000,
      });
      running.push(proc);
      return proc;
    },
    startFromEvent(event, overrides = {}) {
      return startLinkage(client, config(overrides), event);
    },
    async events(from = 0) {
      let after = from;
      // Page by page: a suite that floods the bus has more events than one read answers.
      const all: BusEvent[] = [];
      for (;;) {
        const page: { events: BusEvent[]; nextAfter: number } = await api.ok(
          'GET',
          `/api/events?after=${after}&limit=1000`,
        );
        all.push(...page.events);
        if (page.events.length < 1000 || page.nextAfter <= after) return all;
        after = page.nextAfter;
      }
    },
    busEvent(what, match) {
      return waitFor(what, async () => (await linkageEnv.events()).find(match));
    },
    async runOf(what, match) {
      const event = await linkageEnv.busEvent(`${what}: its event`, match);
      const handle = client.workflow.getHandle(linkageWorkflowId(event.eventId));
      await waitFor(`${what}: its workflow`, () => handle.describe());
      return { event, handle };
    },
    async stop() {
      for (const r of running.splice(0).reverse()) await r.stop();
      await connection.close();
      await platform.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return linkageEnv;
}

/** A tenant id unique to one test, so tests never see each other's records. */
/** What the operators' commands (ops/) need, on the suite's client and platform. */
export function opsContext(env: LinkageEnv): OpsContext {
  return { client: env.client, namespace: env.client.options.namespace, api: env.api, uiUrl: 'http://ui.test' };
}

export function uniqueTenant(prefix = 't'): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 10)}`;
}
