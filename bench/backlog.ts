/**
 * The backlog scenario and the engine's floor beside it, each on a dev server of its own.
 *
 * Backlog: N contracts signed through CRM (the real signing route) while no worker runs; once the bus holds
 * all N `crm.contract.signed` events the worker starts and drains them. Timed by the platform's effects: the
 * first ERP order's `createdAt` → the last OA approval's `createdAt`, covering 2N linkages (N contract runs and
 * the N `erp.order.created` runs their orders cause).
 *
 * Floor: 2N runs of a no-op workflow of a linkage run's shape (bench/floor/workflow.ts), started by the same
 * bench worker process the way its poller starts linkage runs, drained by the same worker options. Its CPU per
 * run (worker + Temporal) is what the engine costs on its own; the backlog's, over it, is the product's share.
 *
 * CPU is sampled from the moment the worker is ready to the last run closed (the signing before it is not).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { forEachConcurrently } from '../common/concurrency';
import { PlatformClient } from '../scripts/lib/platform-client';
import type { Rec } from '../ops/gateway-admin';
import {
  beyondFirst,
  busEventIds,
  cpuPerRun,
  listRuns,
  maxOf,
  sleep,
  startConsumer,
  startPlatform,
  tearDown,
  type BenchEnv,
  type RunRecord,
} from './core';
import { historyShapes, type HistoryShape } from './history-shape';
import { intakeSplit, type IntakeShare, type PollerCycle } from './intake-split';
import { percentiles, type Percentiles } from './percentiles';
import { loadAverage, ResourceSampler, round, type PidSource, type ResourceStats } from './proc-stats';

export interface BacklogSpec {
  name: string;
  /** The product's linkages, or the no-op floor of the same shape. */
  kind: 'linkage' | 'floor';
  /** Contracts signed (the floor: 2 × this many runs). */
  contracts: number;
  /** Worker environment on top of the defaults (the diagnosis runs vary POLLER_* and WORKER_* here). */
  workerEnv?: Record<string, string>;
}

export interface BacklogResult {
  name: string;
  kind: BacklogSpec['kind'];
  contracts: number;
  workerEnv: Record<string, string>;
  tenant: string;
  loadAvgBefore: number[];
  loadAvgAfter: number[];
  /** Signing the N contracts until the bus held all their events (linkage rows). */
  signMs?: number;
  /** Runs completed, expected (2N), and those that did not complete (failed or never closed). */
  runs: number;
  runsExpected: number;
  lost: number;
  /** Live documents per source beyond the first: ERP orders per contract, OA approvals per source. */
  duplicated: number;
  /** Linkage rows: first ERP order → last OA approval; the floor: first run started → last run closed. */
  windowMs: number;
  linkagesPerSec: number;
  /** Worker ready → the last contract run (the floor: the last run) started: the intake's share. */
  intakeMs: number;
  /** Start → close of a run (ms): how long runs wait in the worker's queues. */
  startToClose: Percentiles;
  /** A sample of the runs' histories by workflow type: workflow tasks per run, first-task wait, eager starts. */
  histories: Record<string, HistoryShape>;
  resources: Record<string, ResourceStats>;
  /** CPU ms per run by process, and `engine` = worker + Temporal (the floor's comparison). */
  cpuMsPerLinkage: Record<string, number>;
  /** The intake work per worker process, and the poller's page cycle. */
  intake?: { shares: IntakeShare[]; poller: PollerCycle };
  durationMs: number;
}

/** Signing requests in flight at once, as the tenant-flood's publisher. */
const SIGNERS = 8;

export async function runBacklog(env: BenchEnv, spec: BacklogSpec): Promise<BacklogResult> {
  const began = Date.now();
  const loadAvgBefore = loadAverage();
  const tenant = `${spec.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}-${Date.now().toString(36)}`;
  const expected = 2 * spec.contracts;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paas-bench-backlog-'));
  const connection = await Connection.connect({ address: env.temporalAddress });
  const client = new Client({ connection, namespace: env.namespace });
  const stoppers: (() => Promise<void>)[] = [];
  try {
    const platform = await startPlatform(dataDir);
    stoppers.push(() => platform.proc.stop(5000));
    const api = new PlatformClient(platform.gatewayUrl, 'smoke-test', platform.datalakeUrl);
    const taskQueue = `bench-${tenant}`;

    let signMs: number | undefined;
    if (spec.kind === 'linkage') {
      const t0 = Date.now();
      const signed = await signContracts(api, tenant, spec.contracts);
      if (signed < spec.contracts) throw new Error(`${spec.name}: ${spec.contracts - signed} contracts not signed`);
      await untilOnBus(api, tenant, spec.contracts);
      signMs = Date.now() - t0;
      env.log(`  ${spec.contracts} contracts signed and on the bus in ${signMs} ms; starting the worker`);
    }

    const floorEnv: Record<string, string> =
      spec.kind === 'floor'
        ? { POLLER_ENABLED: '0', BENCH_FLOOR_RUNS: String(expected), BENCH_FLOOR_TENANT: tenant }
        : {};
    const consumer = await startConsumer(
      spec.kind === 'floor' ? { ...env, workflowBundlePath: env.floorBundlePath } : env,
      {
        name: spec.name,
        system: 'temporal',
        load: { kind: 'open', rate: 1, durationMs: 0 },
        workerEnv: { ...spec.workerEnv, ...floorEnv },
      },
      { client, taskQueue, tenant, gatewayUrl: platform.gatewayUrl, datalakeUrl: platform.datalakeUrl, dispatched: [] },
    );
    const ready = Date.now();
    stoppers.push(() => consumer.stop());
    const pids: Record<string, PidSource> = {
      ...consumer.pids,
      platform: [platform.proc.child.pid!],
      ...env.serverPids,
    };
    const sampler = new ResourceSampler(pids);
    // A generous cap: ten runs a second at the least, plus a minute.
    const deadline = Date.now() + 60_000 + expected * 100;
    let done = await consumer.completed();
    while (done < expected && Date.now() < deadline) {
      await sleep(250);
      done = await consumer.completed();
    }
    const resources = sampler.stop();
    if (done < expected) env.log(`  ${spec.name}: drain timed out with ${done}/${expected} runs closed`);

    const runs = await listRuns(client, tenant);
    const ok = runs.filter((r) => r.ok);
    const window =
      spec.kind === 'linkage'
        ? await effectsWindow(api, tenant)
        : {
            from: min(runs.map((r) => r.startedAt ?? Infinity)),
            to: maxOf(runs.map((r) => r.closedAt)),
            duplicated: 0,
          };
    const windowMs = Math.max(1, window.to - window.from);
    const firstRuns = spec.kind === 'linkage' ? runs.filter((r) => r.type === 'ContractSignedWorkflow') : runs;
    const cpu = cpuPerRun(resources, expected);
    cpu.engine = round((cpu.worker ?? 0) + (cpu.temporal ?? 0), 1);
    return {
      name: spec.name,
      kind: spec.kind,
      contracts: spec.contracts,
      workerEnv: spec.workerEnv ?? {},
      tenant,
      loadAvgBefore,
      loadAvgAfter: loadAverage(),
      ...(signMs !== undefined ? { signMs } : {}),
      runs: ok.length,
      runsExpected: expected,
      lost: Math.max(0, expected - ok.length),
      duplicated: window.duplicated,
      windowMs,
      linkagesPerSec: round((ok.length * 1000) / windowMs),
      intakeMs: Math.max(0, maxOf(firstRuns.map((r) => r.startedAt ?? 0)) - ready),
      startToClose: startToClose(runs),
      histories: await historyShapes(client, runs),
      resources,
      cpuMsPerLinkage: cpu,
      ...(spec.kind === 'linkage' ? { intake: await intakeSplit(client, taskQueue) } : {}),
      durationMs: Date.now() - began,
    };
  } finally {
    await tearDown(stoppers, connection, dataDir);
  }
}

const min = (xs: number[]) => xs.reduce((m, x) => Math.min(m, x), Infinity);

const startToClose = (runs: RunRecord[]) => percentiles(runs.map((r) => r.closedAt - (r.startedAt ?? r.closedAt)));

/** N contracts of `tenant` signed through CRM, SIGNERS at a time; answers how many were. */
async function signContracts(api: PlatformClient, tenant: string, n: number): Promise<number> {
  let signed = 0;
  await forEachConcurrently(
    Array.from({ length: n }, (_, i) => i),
    SIGNERS,
    async (i) => {
      await api.signContract(tenant, {
        customerId: `cus-${i % 37}`,
        contractNo: `BACKLOG-${i}`,
        amountCents: 100_000 + i,
      });
      signed++;
    },
  );
  return signed;
}

/** Until the CRM outbox has published all N contracts' events on the bus (a minute at most). */
async function untilOnBus(api: PlatformClient, tenant: string, n: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ids = await busEventIds(api, tenant);
    const onBus = [...ids.keys()].filter((k) => k.startsWith('contract:')).length;
    if (onBus >= n) return;
    if (Date.now() > deadline) throw new Error(`only ${onBus} of ${n} contract events reached the bus`);
    await sleep(250);
  }
}

/** The platform's effects: first ERP order → last OA approval, and the documents beyond the first per source. */
async function effectsWindow(
  api: PlatformClient,
  tenant: string,
): Promise<{ from: number; to: number; duplicated: number }> {
  const [orders, approvals] = await Promise.all([api.list(tenant, '/erp/orders'), api.list(tenant, '/oa/approvals')]);
  const at = (docs: Rec[]) => docs.map((d) => Date.parse(String(d.createdAt))).filter(Number.isFinite);
  const bySource = approvals.map((a) => {
    const fd = (a.formData ?? {}) as Record<string, unknown>;
    return {
      ...a,
      source: `${String(fd.sourceCell)}:${String(fd.sourceType)}:${String(fd.sourceId)}:${String(a.typeCode)}`,
    };
  });
  return {
    from: min(at(orders)),
    to: maxOf(at(approvals)),
    duplicated: beyondFirst(orders, 'sourceContractId', 'orderStatus') + beyondFirst(bySource, 'source', 'status'),
  };
}
