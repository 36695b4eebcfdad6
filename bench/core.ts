/**
 * The benchmark's core measurement: one scenario = a fresh platform (its own temp data), one consumer of
 * the bus (our linkage worker process(es), or the manual's direct dispatcher), a load (open loop at a fixed
 * rate, or closed loop with a bounded number of linkages in flight), then the per-event measurements read
 * back from the platform (record timestamps) and from Temporal visibility (close times).
 *
 * All times are wall-clock milliseconds on this one machine (Date.now() in the bench, `createdAt` /
 * `updatedAt` ISO timestamps in the platform, Temporal's close time): one clock, millisecond granularity.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { pollerWorkflowId } from '../common/linkage';
import { PlatformClient } from '../scripts/lib/platform-client';
import { type Rec } from '../ops/gateway-admin';
import { startService, type ServiceProcess } from '../scripts/service-process';
import { DISPATCHED_LINE, type DispatchRecord } from './direct-dispatcher';
import { percentiles, type Percentiles } from './percentiles';
import { ResourceSampler, loadAverage, round, type PidSource, type ResourceStats } from './proc-stats';

export { percentiles, type Percentiles };
import { EAGER_STATS_LINE, type BenchWorkerOptions } from './worker-main';

export type SystemKind = 'temporal' | 'direct-poll' | 'direct-longpoll';

export type Load =
  { kind: 'open'; rate: number; durationMs: number } | { kind: 'closed'; window: number; durationMs: number };

export interface ScenarioSpec {
  name: string;
  system: SystemKind;
  load: Load;
  /** Worker environment on top of the defaults (e.g. WORKER_MAX_CACHED_WORKFLOWS, POLLER_PAGE_SIZE). */
  workerEnv?: Record<string, string>;
  /** Platform environment on top of the bench's (e.g. DATALAKE_THREADS). */
  platformEnv?: Record<string, string>;
  /** Worker options the product does not read from the environment (reuseV8Context, eager activities). */
  workerOptions?: BenchWorkerOptions;
  /** Worker processes (default 1). */
  workers?: number;
  /** The multi-service cluster on PostgreSQL instead of the dev server. */
  backend?: 'dev' | 'cluster';
  /** A dev server of its own with these settings over the product's (the before/after runs of a change). */
  server?: ServerSettings;
  /**
   * The change this variant measures, for the report's before/after table: a change that was kept is taken
   * back by the variant (before = the variant, after = the baseline); one not kept is applied by it.
   */
  change?: Change;
  /** The workflow bundle built without preloading the workflow modules (the before of that change). */
  bundleWithoutPreload?: boolean;
  /** How long to wait after the load for every linkage to finish (default 120 s). */
  drainTimeoutMs?: number;
}

export interface Change {
  what: string;
  kept: boolean;
}

export interface ServerSettings {
  /** `key=value` over DEV_SERVER_DYNAMIC_CONFIG. */
  dynamicConfig?: string[];
  /** Over DEV_SERVER_SQLITE_PRAGMAS. */
  sqlitePragmas?: Record<string, string>;
}

export interface BenchEnv {
  temporalAddress: string;
  namespace: string;
  /**
   * The Temporal server's processes by name, to sample their CPU: `temporal` for the dev server; the
   * cluster's `temporal-<service>` processes and `postgres` (absent: not sampled, e.g. the jest-wide server).
   */
  serverPids?: Record<string, PidSource>;
  /** Which Temporal the scenario runs on (the report's rows say so). */
  backend?: 'dev' | 'cluster';
  /** A prebuilt workflow bundle (file), so each worker start skips bundling. */
  workflowBundlePath?: string;
  /** The same bundle without preloaded modules (`bundleWithoutPreload` variants). */
  workflowBundleWithoutPreloadPath?: string;
  /** The bundle with the floor's no-op workflow beside the product's (bench/floor/workflows.ts). */
  floorBundlePath?: string;
  log(message: string): void;
}

export type EventKind = 'contract' | 'requisition' | 'approval' | 'generic';

export interface ScenarioResult {
  name: string;
  system: SystemKind;
  load: Load;
  workers: number;
  workerEnv: Record<string, string>;
  platformEnv?: Record<string, string>;
  workerOptions: BenchWorkerOptions;
  server?: ServerSettings;
  change?: Change;
  bundleWithoutPreload?: boolean;
  backend?: 'dev' | 'cluster';
  tenant: string;
  loadAvgBefore: number[];
  loadAvgAfter: number[];
  events: {
    published: number;
    publishErrors: number;
    byKind: Record<EventKind, number>;
    /** Bench events whose run completed (or that the direct dispatcher handled without a failed call). */
    linked: number;
    /** Bench events whose first downstream effect was found in the platform. */
    effectObserved: number;
    /** Runs (or dispatches) that ended in failure. */
    failed: number;
    /** Live documents beyond the first of one business source (ERP order per contract, RFQ per requisition). */
    duplicated: number;
  };
  /** Every linkage run, including the cascades (each ERP order publishes `erp.order.created`). */
  linkagesTotal: number;
  linkagesExpected: number;
  allLinked: boolean;
  latencyMs: {
    /** publish → first downstream effect (ERP order / RFQ createdAt, contract updatedAt by write-back). */
    firstEffect: Percentiles;
    /** publish → run completed (Temporal close time, or the dispatcher's done time). */
    completed: Percentiles;
    /** publish → workflow started (Temporal only). */
    started: Percentiles | null;
    firstEffectByKind: Partial<Record<EventKind, Percentiles>>;
  };
  throughput: {
    offeredEventsPerSec: number;
    windowMs: number;
    /** Completed runs per second between the 10th and the 90th percentile close time. */
    linkagesPerSec: number;
    contractLinkagesPerSec: number;
    downstreamCallsPerSec: number;
    /** All runs of the scenario / (last completion - first publish). */
    overallLinkagesPerSec: number;
  };
  /** Last completion minus end of load: the backlog the consumer carried past the load. */
  drainMs: number;
  resources: Record<string, ResourceStats>;
  /**
   * CPU milliseconds per linkage run, by process and in all (sampled over load and drain): the cost that
   * does not depend on how busy the machine is; 2 cores / the total = the ceiling on an idle 2-core machine.
   */
  cpuMsPerLinkage: Record<string, number>;
  /** BENCH_EAGER_START=0 runs: workflow starts the poller made, and how many the server started eagerly. */
  eagerStart?: { starts: number; eager: number };
  durationMs: number;
}

/** Live documents of one source beyond the first (cancelled ones, status 9, do not count). */
export function beyondFirst(docs: Rec[], sourceField: string, statusField: string): number {
  const per = new Map<string, number>();
  for (const d of docs) {
    if (d[statusField] === 9 || !d[sourceField]) continue;
    per.set(String(d[sourceField]), (per.get(String(d[sourceField])) ?? 0) + 1);
  }
  return [...per.values()].reduce((n, c) => n + c - 1, 0);
}

/** Downstream calls per run, by workflow type (every toggle on, data lake on). */
const CALLS_PER_RUN: Record<string, number> = {
  ContractSignedWorkflow: 3,
  SalesOrderCreatedWorkflow: 2,
  PurchaseRequisitionCreatedWorkflow: 2,
  QuoteAwardedWorkflow: 2,
  PurchaseOrderCreatedWorkflow: 2,
  ApprovalCompletedWorkflow: 2,
  GenericEventWorkflow: 1,
};

/** The mix, per 10 events: 7 signed contracts (via CRM), 1 requisition (via ERP), 1 approval completed, 1 generic. */
const MIX: EventKind[] = [
  'contract',
  'contract',
  'requisition',
  'contract',
  'contract',
  'approval',
  'contract',
  'contract',
  'generic',
  'contract',
];
/** Linkage runs one bench event causes: a contract's ERP order publishes erp.order.created, a second run. */
const RUNS_PER_EVENT: Record<EventKind, number> = { contract: 2, requisition: 1, approval: 1, generic: 1 };

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface Published {
  i: number;
  kind: EventKind;
  t0: number;
  /** contractId, requisitionId, the approval's contractId, or the generic eventId. */
  key: string;
  /** Known up front for events the bench publishes on the bus itself. */
  eventId?: string;
}

/** Publishes bench event number i of the mix, the way the business would. */
class Publisher {
  readonly published: Published[] = [];
  errors = 0;
  private readonly signedContracts: string[] = [];
  expectedRuns = 0;

  constructor(
    private readonly api: PlatformClient,
    private readonly tenant: string,
  ) {}

  async publish(i: number): Promise<void> {
    let kind = MIX[i % MIX.length];
    // An approval writes back to a contract signed earlier in this run; none yet: sign one instead.
    const approvalTarget = kind === 'approval' ? this.signedContracts.shift() : undefined;
    if (kind === 'approval' && !approvalTarget) kind = 'contract';
    this.expectedRuns += RUNS_PER_EVENT[kind];
    const t0 = Date.now();
    try {
      const tenant = this.tenant;
      if (kind === 'contract') {
        const c = await this.api.signContract(tenant, {
          customerId: `cus-${i % 37}`,
          contractNo: `BENCH-${i}`,
          amountCents: 100_000 + i,
        });
        this.published.push({ i, kind, t0, key: c.id });
        this.signedContracts.push(c.id);
      } else if (kind === 'requisition') {
        const r = await this.api.createRequisition(tenant, {
          demandDesc: `bench demand ${i}`,
          totalAmountCents: 5000 + i,
        });
        this.published.push({ i, kind, t0, key: r.id });
      } else if (kind === 'approval') {
        const eventId = `bench-apv-${tenant}-${i}`;
        await this.api.ok('POST', '/api/events', {
          body: {
            eventId,
            eventType: 'oa.approval.completed',
            tenantId: tenant,
            source: 'oa',
            payload: {
              instanceId: `apv-bench-${i}`,
              tenantId: tenant,
              status: 2,
              typeCode: 'contract',
              formData: { sourceCell: 'crm', sourceId: approvalTarget, sourceType: 'contract' },
            },
          },
        });
        this.published.push({ i, kind, t0, key: approvalTarget!, eventId });
      } else {
        const eventId = `bench-gen-${tenant}-${i}`;
        await this.api.ok('POST', '/api/events', {
          body: {
            eventId,
            eventType: 'hr.employee.onboarded',
            tenantId: tenant,
            source: 'hr',
            payload: { employeeId: `emp-${i}`, tenantId: tenant, startDate: '2025-01-01' },
          },
        });
        this.published.push({ i, kind, t0, key: eventId, eventId });
      }
    } catch {
      this.errors++;
      this.expectedRuns -= RUNS_PER_EVENT[kind];
    }
  }
}

export interface Consumer {
  pids: Record<string, number[]>;
  eagerStart?: { starts: number; eager: number };
  /** Completed (closed) runs of the tenant so far. */
  completed(): Promise<number>;
  stop(): Promise<void>;
}

export interface RunRecord {
  workflowId: string;
  type: string;
  startedAt: number | null;
  closedAt: number;
  ok: boolean;
  calls: number;
}

export async function startPlatform(
  dataDir: string,
  /** Over the platform's bench environment (a variant's setting, e.g. DATALAKE_THREADS). */
  extraEnv: Record<string, string> = {},
): Promise<{ proc: ServiceProcess; gatewayUrl: string; datalakeUrl: string }> {
  const proc = await startService({
    name: 'platform',
    entry: 'platform/main.ts',
    // BENCH_PLATFORM_CPU_PROFILE_DIR: a V8 CPU profile of the platform process (written when it stops).
    nodeArgs: process.env.BENCH_PLATFORM_CPU_PROFILE_DIR
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PLATFORM_CPU_PROFILE_DIR}`]
      : [],
    env: {
      PLATFORM_HOST: '127.0.0.1',
      PLATFORM_DATA_DIR: dataDir,
      GATEWAY_TOKEN: 'smoke-test',
      LOG_LEVEL: 'warn',
      PLATFORM_FAULTS: '0',
      PLATFORM_SERVICES: 'gateway,crm,erp,oa,srm,datalake',
      GATEWAY_PORT: '0',
      CRM_PORT: '0',
      ERP_PORT: '0',
      OA_PORT: '0',
      SRM_PORT: '0',
      DATALAKE_PORT: '0',
      ...extraEnv,
    },
    readyLine: 'PLATFORM_READY',
  });
  const urls = JSON.parse(proc.readyPayload) as { gatewayUrl: string; datalakeUrl: string };
  return { proc, ...urls };
}

export async function runScenario(env: BenchEnv, spec: ScenarioSpec): Promise<ScenarioResult> {
  const began = Date.now();
  const loadAvgBefore = loadAverage();
  const tenant = `bench-${spec.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}-${Date.now().toString(36)}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paas-bench-'));
  const connection = await Connection.connect({ address: env.temporalAddress });
  const client = new Client({ connection, namespace: env.namespace });
  const stoppers: (() => Promise<void>)[] = [];
  try {
    const platform = await startPlatform(dataDir, spec.platformEnv);
    stoppers.push(() => platform.proc.stop(5000));
    const api = new PlatformClient(platform.gatewayUrl, 'smoke-test', platform.datalakeUrl);
    const taskQueue = `bench-${tenant}`;
    const dispatched: DispatchRecord[] = [];
    const consumer = await startConsumer(env, spec, {
      client,
      taskQueue,
      tenant,
      gatewayUrl: platform.gatewayUrl,
      datalakeUrl: platform.datalakeUrl,
      dispatched,
    });
    stoppers.push(() => consumer.stop());
    const pids: Record<string, PidSource> = {
      ...consumer.pids,
      platform: [platform.proc.child.pid!],
      ...env.serverPids,
    };

    // Load.
    const publisher = new Publisher(api, tenant);
    const sampler = new ResourceSampler(pids);
    const loadStart = Date.now();
    if (spec.load.kind === 'open') await openLoop(publisher, spec.load.rate, spec.load.durationMs);
    else await closedLoop(publisher, consumer, spec.load.window, spec.load.durationMs);
    const loadEnd = Date.now();

    // Drain: every run of the tenant (the cascades included) has closed.
    const drainDeadline = Date.now() + (spec.drainTimeoutMs ?? 120_000);
    let done = await consumer.completed();
    while (done < publisher.expectedRuns && Date.now() < drainDeadline) {
      await sleep(500);
      done = await consumer.completed();
    }
    const resources = sampler.stop();
    if (done < publisher.expectedRuns) {
      env.log(`  ${spec.name}: drain timed out with ${done}/${publisher.expectedRuns} runs closed`);
    }

    // Read back: runs, bus events, records.
    const runs =
      spec.system === 'temporal'
        ? await listRuns(client, tenant)
        : dispatched
            .filter((d) => d.tenantId === tenant)
            .map<RunRecord>((d) => ({
              workflowId: d.eventId,
              type: d.eventType,
              startedAt: null,
              closedAt: d.doneAt,
              ok: d.failed === 0,
              calls: d.calls,
            }));
    const runsByEventId = new Map(
      runs.map((r) => [spec.system === 'temporal' ? r.workflowId.replace(/^linkage-/, '') : r.workflowId, r]),
    );
    const eventIdByKey = await busEventIds(api, tenant);
    const orders = await api.list(tenant, '/erp/orders');
    const rfqs = await api.list(tenant, '/srm/rfqs');
    const contracts = await api.list(tenant, '/crm/contracts');
    // Counted per source, not keyed by it: a second order for one contract must show, not overwrite the first.
    const duplicated =
      beyondFirst(orders, 'sourceContractId', 'orderStatus') + beyondFirst(rfqs, 'requisitionId', 'status');
    const orderAt = new Map(orders.map((o) => [String(o.sourceContractId), Date.parse(String(o.createdAt))]));
    const rfqAt = new Map(rfqs.map((r) => [String(r.requisitionId), Date.parse(String(r.createdAt))]));
    const writeBackAt = new Map(
      contracts.filter((c: Rec) => c.status === 2).map((c) => [c.id, Date.parse(String(c.updatedAt))]),
    );

    const firstEffect: number[] = [];
    const byKind: Record<EventKind, number[]> = { contract: [], requisition: [], approval: [], generic: [] };
    const completed: number[] = [];
    const started: number[] = [];
    let linked = 0;
    let effectObserved = 0;
    const kindCounts: Record<EventKind, number> = { contract: 0, requisition: 0, approval: 0, generic: 0 };
    for (const p of publisher.published) {
      kindCounts[p.kind]++;
      const eventId = p.eventId ?? eventIdByKey.get(`${p.kind}:${p.key}`);
      const run = eventId ? runsByEventId.get(eventId) : undefined;
      if (run?.ok) {
        linked++;
        completed.push(run.closedAt - p.t0);
        if (run.startedAt !== null) started.push(run.startedAt - p.t0);
      }
      const effectAt =
        p.kind === 'contract'
          ? orderAt.get(p.key)
          : p.kind === 'requisition'
            ? rfqAt.get(p.key)
            : p.kind === 'approval'
              ? writeBackAt.get(p.key)
              : undefined;
      if (effectAt !== undefined && Number.isFinite(effectAt)) {
        effectObserved++;
        firstEffect.push(effectAt - p.t0);
        byKind[p.kind].push(effectAt - p.t0);
      }
    }

    // Sustained throughput: the middle 80 % of the runs (10th to 90th percentile close time), so neither the
    // ramp-up nor the tail of the drain counts; underloaded it is the offered rate, overloaded the service rate.
    const closes = runs.map((r) => r.closedAt).sort((a, b) => a - b);
    const windowStart = closes.length ? closes[Math.floor(closes.length * 0.1)] : loadStart;
    const windowEnd = closes.length ? closes[Math.max(0, Math.ceil(closes.length * 0.9) - 1)] : loadEnd;
    const windowMs = Math.max(1, windowEnd - windowStart);
    const inWindow = runs.filter((r) => r.closedAt >= windowStart && r.closedAt <= windowEnd);
    const perSec = (n: number) => round((n * 1000) / windowMs);
    const lastClose = runs.reduce((m, r) => Math.max(m, r.closedAt), loadEnd);
    const firstPublish = publisher.published.reduce((m, p) => Math.min(m, p.t0), loadStart);
    const expectedEffects = kindCounts.contract + kindCounts.requisition + kindCounts.approval;

    return {
      name: spec.name,
      system: spec.system,
      load: spec.load,
      workers: spec.workers ?? 1,
      workerEnv: spec.workerEnv ?? {},
      ...(spec.platformEnv ? { platformEnv: spec.platformEnv } : {}),
      workerOptions: spec.workerOptions ?? {},
      ...(spec.server ? { server: spec.server } : {}),
      ...(spec.change ? { change: spec.change } : {}),
      ...(spec.bundleWithoutPreload ? { bundleWithoutPreload: true } : {}),
      backend: env.backend ?? 'dev',
      tenant,
      loadAvgBefore,
      loadAvgAfter: loadAverage(),
      events: {
        published: publisher.published.length,
        publishErrors: publisher.errors,
        byKind: kindCounts,
        linked,
        effectObserved,
        failed: runs.filter((r) => !r.ok).length,
        duplicated,
      },
      linkagesTotal: runs.length,
      linkagesExpected: publisher.expectedRuns,
      allLinked:
        publisher.errors === 0 &&
        duplicated === 0 &&
        linked === publisher.published.length &&
        effectObserved === expectedEffects &&
        runs.length === publisher.expectedRuns,
      latencyMs: {
        firstEffect: percentiles(firstEffect),
        completed: percentiles(completed),
        started: spec.system === 'temporal' ? percentiles(started) : null,
        firstEffectByKind: Object.fromEntries(
          (Object.keys(byKind) as EventKind[]).filter((k) => byKind[k].length).map((k) => [k, percentiles(byKind[k])]),
        ),
      },
      throughput: {
        offeredEventsPerSec:
          spec.load.kind === 'open'
            ? spec.load.rate
            : round((publisher.published.length * 1000) / Math.max(1, loadEnd - loadStart)),
        windowMs,
        linkagesPerSec: perSec(inWindow.length),
        contractLinkagesPerSec: perSec(
          inWindow.filter((r) => r.type === 'ContractSignedWorkflow' || r.type === 'crm.contract.signed').length,
        ),
        downstreamCallsPerSec: perSec(inWindow.reduce((a, r) => a + r.calls, 0)),
        overallLinkagesPerSec: round((runs.length * 1000) / Math.max(1, lastClose - firstPublish)),
      },
      drainMs: Math.max(0, lastClose - loadEnd),
      resources,
      cpuMsPerLinkage: cpuPerRun(resources, runs.length),
      ...(consumer.eagerStart ? { eagerStart: consumer.eagerStart } : {}),
      durationMs: Date.now() - began,
    };
  } finally {
    await tearDown(stoppers, connection, dataDir);
  }
}

/** A scenario's stack stopped in the reverse order of its start, its client closed, its data removed. */
export async function tearDown(
  stoppers: (() => Promise<void>)[],
  connection: Connection,
  dataDir: string,
): Promise<void> {
  for (const stop of stoppers.reverse()) await stop().catch(() => undefined);
  await connection.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}

/** The largest of `xs` (0 for none). */
export const maxOf = (xs: number[]) => xs.reduce((m, x) => Math.max(m, x), 0);

export function cpuPerRun(resources: Record<string, ResourceStats>, runs: number): Record<string, number> {
  const out: Record<string, number> = {};
  if (!runs) return out;
  let total = 0;
  for (const [name, r] of Object.entries(resources)) {
    out[name] = round((r.cpuSeconds * 1000) / runs, 1);
    total += r.cpuSeconds;
  }
  out.total = round((total * 1000) / runs, 1);
  return out;
}

async function openLoop(publisher: Publisher, rate: number, durationMs: number): Promise<void> {
  const start = Date.now();
  const inflight = new Set<Promise<void>>();
  for (let i = 0; ; i++) {
    const due = start + (i * 1000) / rate;
    if (due - start >= durationMs) break;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    const p = publisher.publish(i).finally(() => inflight.delete(p));
    inflight.add(p);
  }
  await Promise.all(inflight);
}

/** At most `window` runs in flight: publish while (expected runs - closed runs) < window. */
async function closedLoop(publisher: Publisher, consumer: Consumer, window: number, durationMs: number): Promise<void> {
  const end = Date.now() + durationMs;
  let closed = 0;
  let next = 0;
  let stopped = false;
  const refresher = (async () => {
    while (!stopped) {
      closed = await consumer.completed().catch(() => closed);
      await sleep(500);
    }
  })();
  const lane = async () => {
    while (Date.now() < end) {
      if (publisher.expectedRuns - closed >= window) {
        await sleep(10);
        continue;
      }
      await publisher.publish(next++);
    }
  };
  await Promise.all(Array.from({ length: 8 }, lane));
  stopped = true;
  await refresher;
}

export interface ConsumerContext {
  client: Client;
  taskQueue: string;
  tenant: string;
  gatewayUrl: string;
  datalakeUrl: string;
  dispatched: DispatchRecord[];
}

export async function startConsumer(env: BenchEnv, spec: ScenarioSpec, c: ConsumerContext): Promise<Consumer> {
  if (spec.system !== 'temporal') {
    let buffer = '';
    let count = 0;
    const proc = await startService({
      name: `direct-dispatcher (${spec.system})`,
      entry: 'bench/direct-dispatcher.ts',
      env: {
        GATEWAY_URL: c.gatewayUrl,
        DATALAKE_URL: c.datalakeUrl,
        GATEWAY_TOKEN: 'smoke-test',
        DISPATCH_MODE: spec.system === 'direct-longpoll' ? 'longpoll' : 'poll',
        SYNC_WORKER_POLL_INTERVAL_SEC: '5',
        DISPATCH_WAIT_MS: '10000',
      },
      readyLine: 'DISPATCHER_READY',
      onOutput: (chunk) => {
        buffer += chunk;
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const line of lines) {
          if (!line.startsWith(DISPATCHED_LINE)) continue;
          const rec = JSON.parse(line.slice(DISPATCHED_LINE.length)) as DispatchRecord;
          c.dispatched.push(rec);
          if (rec.tenantId === c.tenant) count++;
        }
      },
    });
    return {
      pids: { dispatcher: [proc.child.pid!] },
      completed: async () => count,
      stop: () => proc.stop(3000),
    };
  }

  const workers: ServiceProcess[] = [];
  const n = spec.workers ?? 1;
  const eagerByWorker = new Map<number, { starts: number; eager: number }>();
  const consumer: Consumer = {
    pids: {},
    completed: async () => 0,
    stop: async () => undefined,
  };
  try {
    for (let k = 0; k < n; k++) {
      workers.push(
        await startService({
          name: `worker ${k + 1}`,
          entry: 'bench/worker-main.ts',
          // BENCH_CPU_PROFILE_DIR: V8 CPU profiles of each worker thread (the workflows run in worker threads),
          // written when the worker stops; open them in Chrome DevTools.
          nodeArgs: process.env.BENCH_CPU_PROFILE_DIR
            ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE_DIR}`]
            : [],
          env: {
            TEMPORAL_ADDRESS: env.temporalAddress,
            TEMPORAL_NAMESPACE: env.namespace,
            TEMPORAL_TASK_QUEUE: c.taskQueue,
            GATEWAY_URL: c.gatewayUrl,
            DATALAKE_URL: c.datalakeUrl,
            GATEWAY_TOKEN: 'smoke-test',
            LINK_CRM_TO_ERP: '1',
            LINK_ERP_TO_SRM: '1',
            LINK_ALL_TO_OA: '1',
            LINK_ALL_TO_DATALAKE: '1',
            LOG_LEVEL: 'warn',
            METRICS_PORT: '0',
            BENCH_WORKER_OPTIONS: JSON.stringify(spec.workerOptions ?? {}),
            WORKFLOW_BUNDLE_PATH:
              (spec.bundleWithoutPreload ? env.workflowBundleWithoutPreloadPath : env.workflowBundlePath) ?? '',
            ...spec.workerEnv,
          },
          readyLine: 'WORKER_READY',
          readyTimeoutMs: 180_000,
          onOutput: (chunk) => {
            for (const line of chunk.split('\n')) {
              if (!line.startsWith(EAGER_STATS_LINE)) continue;
              try {
                eagerByWorker.set(
                  k,
                  JSON.parse(line.slice(EAGER_STATS_LINE.length)) as { starts: number; eager: number },
                );
                const all = [...eagerByWorker.values()];
                consumer.eagerStart = {
                  starts: all.reduce((a, x) => a + x.starts, 0),
                  eager: all.reduce((a, x) => a + x.eager, 0),
                };
              } catch {
                // a line split across chunks: the next report will do
              }
            }
          },
        }),
      );
    }
  } catch (err) {
    for (const w of workers) await w.kill();
    throw err;
  }
  const query = `LinkageTenant="${c.tenant}" AND ExecutionStatus!="Running"`;
  return Object.assign(consumer, {
    pids: { worker: workers.map((w) => w.child.pid!) },
    completed: async () => (await c.client.workflow.count(query)).count,
    async stop() {
      // The poller of this task queue would outlive its workers: end it, then stop the workers.
      await c.client.workflow
        .getHandle(pollerWorkflowId(c.taskQueue))
        .terminate('benchmark scenario over')
        .catch(() => undefined);
      // A profiled worker writes its CPU profiles on exit: it gets the time to (shutdownGraceTime is 10 s).
      const graceMs = process.env.BENCH_CPU_PROFILE_DIR ? 30_000 : 3000;
      for (const w of workers) await w.stop(graceMs);
    },
  });
}

export async function listRuns(client: Client, tenant: string): Promise<RunRecord[]> {
  const runs: RunRecord[] = [];
  for await (const wf of client.workflow.list({ query: `LinkageTenant="${tenant}"` })) {
    if (!wf.closeTime) continue;
    runs.push({
      workflowId: wf.workflowId,
      type: wf.type,
      startedAt: wf.startTime.getTime(),
      closedAt: wf.closeTime.getTime(),
      ok: wf.status.name === 'COMPLETED',
      calls: CALLS_PER_RUN[wf.type] ?? 1,
    });
  }
  return runs;
}

/** `contract:<contractId>` / `requisition:<requisitionId>` → the eventId the cell's outbox gave the event. */
export async function busEventIds(api: PlatformClient, tenant: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let after = 0;
  for (;;) {
    const page = await api.ok<{
      events: { eventId: string; eventType: string; payload: Record<string, unknown> }[];
      nextAfter: number;
    }>('GET', `/api/events?after=${after}&limit=1000&tenantId=${encodeURIComponent(tenant)}`);
    for (const e of page.events) {
      if (e.eventType === 'crm.contract.signed') out.set(`contract:${String(e.payload.contractId)}`, e.eventId);
      if (e.eventType === 'erp.purchase_requisition.created')
        out.set(`requisition:${String(e.payload.requisitionId)}`, e.eventId);
    }
    if (!page.events.length || page.nextAfter === after) break;
    after = page.nextAfter;
  }
  return out;
}
