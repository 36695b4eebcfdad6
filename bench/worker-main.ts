/**
 * The benchmark's worker process: exactly `npm run worker` (same configuration from the environment, same
 * `createLinkageWorker`), plus the Worker options the tuning runs vary and that the product does not read
 * from the environment (`BENCH_WORKER_OPTIONS`, JSON); the prebuilt workflow bundle comes through the
 * product's own WORKFLOW_BUNDLE_PATH, so restarting the worker between runs does not re-bundle. Tracing as
 * in the product: on when OTEL_* names an endpoint (the bench's bundle then carries its interceptors).
 */
// First, as in worker/main.ts: tracing instruments http before anything loads it.
import { tracing } from '../worker/start-tracing';
import { Client, Connection, type WorkflowClientInterceptor } from '@temporalio/client';
import { Runtime, type WorkerOptions } from '@temporalio/worker';
import { createWorkerActivities } from '../worker/worker-activities';
import { loadConfig, type Config } from '../common/config';
import { createLogger } from '../common/logger';
import { temporalConnectionOptions } from '../common/temporal-connection';
import { createLinkageWorker } from '../worker/create-worker';
import { PinoTemporalLogger } from '../worker/logging';
import { floorActivities } from './floor/activities';
import { startFloorRuns } from './floor/start';

/** The Worker options a tuning run may set (all optional; absent = the product's own value). */
export interface BenchWorkerOptions {
  reuseV8Context?: boolean;
  maxEagerActivityReservationsPerWorkflowTask?: number;
  maxConcurrentWorkflowTaskPolls?: number;
  maxConcurrentActivityTaskPolls?: number;
  workflowThreadPoolSize?: number;
}

export function parseWorkerOptions(raw: string | undefined): BenchWorkerOptions {
  if (!raw) return {};
  const parsed = JSON.parse(raw) as Record<string, unknown>;
  const out: BenchWorkerOptions = {};
  if (typeof parsed.reuseV8Context === 'boolean') out.reuseV8Context = parsed.reuseV8Context;
  for (const k of [
    'maxEagerActivityReservationsPerWorkflowTask',
    'maxConcurrentWorkflowTaskPolls',
    'maxConcurrentActivityTaskPolls',
    'workflowThreadPoolSize',
  ] as const) {
    const v = parsed[k];
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0) out[k] = v;
  }
  return out;
}

export const EAGER_STATS_LINE = 'EAGER_START_STATS ';

async function main(): Promise<void> {
  const log = createLogger('bench-worker');
  const config = loadConfig();
  // The tenant-flood scenario's fairness variant: each start carries its tenant as the fairness key.
  Runtime.install({ logger: new PinoTemporalLogger(log), shutdownSignals: ['SIGINT', 'SIGTERM'] });
  const overrides: Partial<WorkerOptions> = { ...parseWorkerOptions(process.env.BENCH_WORKER_OPTIONS) };
  const eager = process.env.BENCH_EAGER_START === '0' ? await eagerStartOffOverrides(config) : null;
  if (eager) {
    Object.assign(overrides, eager.overrides);
    const stats = eager.stats;
    setInterval(() => console.log(`${EAGER_STATS_LINE}${JSON.stringify(stats)}`), 1000).unref();
  }
  // The floor row (bench/backlog.ts): BENCH_FLOOR_RUNS no-op runs of BENCH_FLOOR_TENANT, started by this
  // process once it polls; its worker has the floor's bundle and activity only (and no poller: POLLER_ENABLED=0).
  const floorRuns = Number(process.env.BENCH_FLOOR_RUNS ?? 0);
  if (floorRuns > 0) overrides.activities = floorActivities;
  const { run, client } = await createLinkageWorker(config, overrides);
  await run(() => {
    console.log(`WORKER_READY ${JSON.stringify({ pid: process.pid, taskQueue: config.temporal.taskQueue })}`);
    if (floorRuns > 0) {
      startFloorRuns(client, config, process.env.BENCH_FLOOR_TENANT ?? 'floor', floorRuns).catch((err: unknown) =>
        console.error(`bench worker: floor starts failed: ${err instanceof Error ? err.stack : String(err)}`),
      );
    }
  });
  await tracing?.shutdown();
}

/**
 * Eager workflow start, measured against the product: the product's poller asks for it, and the server
 * grants it because the poller's Client shares the Worker's NativeConnection. This variant hands the
 * activities (the poller among them) a Client on a plain Connection instead, so the poller does not ask;
 * the interceptor only counts starts and eager starts, for the report.
 */
async function eagerStartOffOverrides(
  config: Config,
): Promise<{ overrides: Partial<WorkerOptions>; stats: { starts: number; eager: number } }> {
  const connection = await Connection.connect(temporalConnectionOptions(config));
  const stats = { starts: 0, eager: 0 };
  const interceptor: WorkflowClientInterceptor = {
    async startWithDetails(input, next) {
      const out = await next(input);
      stats.starts++;
      if (out.eagerlyStarted) stats.eager++;
      return out;
    },
  };
  const client = new Client({
    connection,
    namespace: config.temporal.namespace,
    interceptors: { workflow: [interceptor] },
  });
  return { overrides: { activities: createWorkerActivities(config, client) }, stats };
}

if (require.main === module) {
  main().catch((err) => {
    console.error(`bench worker: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  });
}
