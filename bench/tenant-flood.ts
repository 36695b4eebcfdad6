/**
 * The tenant-flood scenario: does one tenant's flood hold back another tenant's linkages? Tenant A
 * publishes `flood` valid `crm.contract.signed` events straight on the bus, as fast as the bus takes them;
 * then tenant B signs one contract a second for `bSeconds` seconds through CRM (the real signing route).
 * Measured: B's signing → ERP order (the order's `createdAt`, as the other scenarios' first effect), split
 * into intake (signing → its workflow started) and the rest (started → order); A's drain (first flood
 * publish → A's last run closed) and rate; how many of B's contracts were linked before A's backlog emptied.
 *
 * Same stack as the other scenarios (core.ts: fresh platform, bench worker process); the variants differ
 * by worker environment and server settings only.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { PlatformClient } from '../scripts/lib/platform-client';
import { benchContractPayload } from './floor/start';
import { intakeSplit, type IntakeShare, type PollerCycle } from './intake-split';
import {
  beyondFirst,
  busEventIds,
  listRuns,
  maxOf,
  sleep,
  startConsumer,
  startPlatform,
  tearDown,
  type BenchEnv,
  type RunRecord,
  type ServerSettings,
} from './core';
import { percentiles, type Percentiles } from './percentiles';
import { loadAverage, ResourceSampler, round, type PidSource, type ResourceStats } from './proc-stats';

export interface TenantFloodSpec {
  name: string;
  /** A's events on the bus (5,000 in the full run). */
  flood: number;
  /** B signs one contract a second for this long (30 s in the full run). */
  bSeconds: number;
  /** What the variant changes, for the report. */
  what: string;
  workerEnv?: Record<string, string>;
  /** Worker processes (default 1). */
  workers?: number;
  /** A dev server of its own with these settings (every row gets one, so no row inherits a grown server). */
  server: ServerSettings;
}

export interface TenantFloodResult {
  name: string;
  what: string;
  flood: number;
  bSeconds: number;
  workerEnv: Record<string, string>;
  server: ServerSettings;
  tenants: { a: string; b: string };
  loadAvgBefore: number[];
  loadAvgAfter: number[];
  a: {
    published: number;
    publishErrors: number;
    /** First flood publish → the bus had taken every event. */
    publishMs: number;
    /** A's runs, the cascades (erp.order.created) included: 2 per event. */
    runs: number;
    runsExpected: number;
    duplicated: number;
    /**
     * First flood publish → the last of A's flood events had its run started: how long the intake (bus read,
     * starts) took for the flood (the cascades' events come later on the bus, between B's).
     */
    intakeMs: number;
    /** First flood publish → A's last run closed: A's backlog emptied. */
    drainMs: number;
    linkagesPerSec: number;
    contractsPerSec: number;
  };
  b: {
    signed: number;
    signErrors: number;
    runs: number;
    runsExpected: number;
    duplicated: number;
    /** Signing → ERP order createdAt. */
    toOrder: Percentiles;
    /** Signing → the contract's workflow started (Temporal's start time): the intake's share. */
    toStarted: Percentiles;
    /** Workflow started → ERP order: task-queue dispatch and the run's own work. */
    startedToOrder: Percentiles;
    /** B's contract runs that closed before A's last run closed. */
    linkedBeforeADrained: number;
    /**
     * A's runs not yet closed when each of B's ERP orders was made: how much of A's backlog B went past
     * (0 = B waited for all of A; FIFO dispatch leaves only A's runs started after B's).
     */
    aOpenAtOrder: { p50: number; min: number };
  };
  allLinked: boolean;
  /** The intake work per worker process: pages of the poller and of the lanes, and the runs each started. */
  intake?: IntakeShare[];
  /** The main poller's page cycle (diagnostics, results file only). */
  poller?: PollerCycle;
  /** B's contracts one by one, ms from signing (diagnostics, results file only): started, order; null = not seen. */
  bSamples?: { t0: number; started: number | null; order: number | null }[];
  resources: Record<string, ResourceStats>;
  durationMs: number;
}

const SIGN_EVERY_MS = 1000;

export async function runTenantFlood(env: BenchEnv, spec: TenantFloodSpec): Promise<TenantFloodResult> {
  const began = Date.now();
  const loadAvgBefore = loadAverage();
  const stamp = Date.now().toString(36);
  const tenants = { a: `flood-a-${stamp}`, b: `flood-b-${stamp}` };
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paas-bench-flood-'));
  const connection = await Connection.connect({ address: env.temporalAddress });
  const client = new Client({ connection, namespace: env.namespace });
  const stoppers: (() => Promise<void>)[] = [];
  try {
    const platform = await startPlatform(dataDir);
    stoppers.push(() => platform.proc.stop(5000));
    const api = new PlatformClient(platform.gatewayUrl, 'smoke-test', platform.datalakeUrl);
    const consumer = await startConsumer(
      env,
      {
        name: spec.name,
        system: 'temporal',
        load: { kind: 'open', rate: 1, durationMs: 0 },
        workerEnv: spec.workerEnv,
        workers: spec.workers,
      },
      {
        client,
        taskQueue: `bench-${tenants.a}`,
        tenant: tenants.a,
        gatewayUrl: platform.gatewayUrl,
        datalakeUrl: platform.datalakeUrl,
        dispatched: [],
      },
    );
    stoppers.push(() => consumer.stop());
    const pids: Record<string, PidSource> = {
      ...consumer.pids,
      platform: [platform.proc.child.pid!],
      ...env.serverPids,
    };
    const sampler = new ResourceSampler(pids);

    const floodStart = Date.now();
    const flood = await floodBus(api, tenants.a, spec.flood);
    const publishMs = Date.now() - floodStart;
    env.log(
      `  A: ${flood.published} events on the bus in ${publishMs} ms; B signs 1 contract/s for ${spec.bSeconds} s`,
    );
    const signed = await signEverySecond(api, tenants.b, spec.bSeconds);

    // Drain: every run of both tenants (the cascades included) has closed.
    const aExpected = 2 * flood.published;
    const bExpected = 2 * signed.contracts.length;
    const closedOf = async (tenant: string) =>
      (await client.workflow.count(`LinkageTenant="${tenant}" AND ExecutionStatus!="Running"`)).count;
    // A generous cap: ten times the rate the singleton poller reached here, plus a minute.
    const deadline = Date.now() + 60_000 + (aExpected + bExpected) * 100;
    let aDone = 0;
    let bDone = 0;
    for (;;) {
      [aDone, bDone] = await Promise.all([closedOf(tenants.a), closedOf(tenants.b)]);
      if ((aDone >= aExpected && bDone >= bExpected) || Date.now() > deadline) break;
      await sleep(1000);
    }
    const resources = sampler.stop();
    const { shares: intake, poller } = await intakeSplit(client, `bench-${tenants.a}`);
    if (aDone < aExpected || bDone < bExpected) {
      env.log(`  ${spec.name}: drain timed out, A ${aDone}/${aExpected}, B ${bDone}/${bExpected} runs closed`);
    }

    // Read back.
    const [aRuns, bRuns] = await Promise.all([listRuns(client, tenants.a), listRuns(client, tenants.b)]);
    const [aOrders, bOrders] = await Promise.all([
      api.list(tenants.a, '/erp/orders'),
      api.list(tenants.b, '/erp/orders'),
    ]);
    const bEventIds = await busEventIds(api, tenants.b);
    const runByEventId = new Map(bRuns.map((r) => [r.workflowId.replace(/^linkage-/, ''), r]));
    const orderAt = new Map(
      aOrders.concat(bOrders).map((o) => [String(o.sourceContractId), Date.parse(String(o.createdAt))]),
    );

    const aLastClose = maxOf(aRuns.map((r) => r.closedAt));
    const aContracts = aRuns.filter(isContractRun);
    const aLastStart = maxOf(aContracts.map((r) => r.startedAt ?? 0));
    const drainMs = Math.max(1, aLastClose - floodStart);
    const toOrder: number[] = [];
    const toStarted: number[] = [];
    const startedToOrder: number[] = [];
    const aOpenAt: number[] = [];
    let linkedBeforeADrained = 0;
    const bSamples: NonNullable<TenantFloodResult['bSamples']> = [];
    for (const s of signed.contracts) {
      const at = orderAt.get(s.contractId);
      if (at !== undefined && Number.isFinite(at)) {
        toOrder.push(at - s.t0);
        aOpenAt.push(aRuns.filter((r) => r.closedAt > at).length + (aExpected - aRuns.length));
      }
      const eventId = bEventIds.get(`contract:${s.contractId}`);
      const run = eventId ? runByEventId.get(eventId) : undefined;
      if (run?.startedAt != null) {
        toStarted.push(run.startedAt - s.t0);
        if (at !== undefined && Number.isFinite(at)) startedToOrder.push(at - run.startedAt);
      }
      if (run?.ok && run.closedAt < aLastClose) linkedBeforeADrained++;
      bSamples.push({
        t0: s.t0 - floodStart,
        started: run?.startedAt != null ? run.startedAt - s.t0 : null,
        order: at !== undefined && Number.isFinite(at) ? at - s.t0 : null,
      });
    }
    const aDuplicated = beyondFirst(aOrders, 'sourceContractId', 'orderStatus');
    const bDuplicated = beyondFirst(bOrders, 'sourceContractId', 'orderStatus');
    const allOk = (runs: RunRecord[]) => runs.every((r) => r.ok);
    return {
      name: spec.name,
      what: spec.what,
      flood: spec.flood,
      bSeconds: spec.bSeconds,
      workerEnv: spec.workerEnv ?? {},
      server: spec.server,
      tenants,
      loadAvgBefore,
      loadAvgAfter: loadAverage(),
      a: {
        published: flood.published,
        publishErrors: flood.errors,
        publishMs,
        runs: aRuns.length,
        runsExpected: aExpected,
        duplicated: aDuplicated,
        intakeMs: Math.max(0, aLastStart - floodStart),
        drainMs,
        linkagesPerSec: round((aRuns.length * 1000) / drainMs),
        contractsPerSec: round((aContracts.length * 1000) / drainMs),
      },
      b: {
        signed: signed.contracts.length,
        signErrors: signed.errors,
        runs: bRuns.length,
        runsExpected: bExpected,
        duplicated: bDuplicated,
        toOrder: percentiles(toOrder),
        toStarted: percentiles(toStarted),
        startedToOrder: percentiles(startedToOrder),
        linkedBeforeADrained,
        aOpenAtOrder: { p50: percentiles(aOpenAt).p50, min: aOpenAt.length ? Math.min(...aOpenAt) : 0 },
      },
      allLinked:
        flood.errors === 0 &&
        signed.errors === 0 &&
        aRuns.length === aExpected &&
        bRuns.length === bExpected &&
        allOk(aRuns) &&
        allOk(bRuns) &&
        aDuplicated + bDuplicated === 0 &&
        toOrder.length === signed.contracts.length,
      intake,
      poller,
      bSamples,
      resources,
      durationMs: Date.now() - began,
    };
  } finally {
    await tearDown(stoppers, connection, dataDir);
  }
}

const isContractRun = (r: RunRecord) => r.type === 'ContractSignedWorkflow';

/** A's events, valid `crm.contract.signed` payloads, posted with a few requests in flight at a time. */
async function floodBus(
  api: PlatformClient,
  tenant: string,
  n: number,
): Promise<{ published: number; errors: number }> {
  let next = 0;
  let published = 0;
  let errors = 0;
  const lane = async () => {
    for (let i = next++; i < n; i = next++) {
      const res = await api.publish({
        eventId: `flood-${tenant}-${i}`,
        eventType: 'crm.contract.signed',
        tenantId: tenant,
        payload: benchContractPayload(tenant, 'flood', i),
      });
      if (res.status === 201) published++;
      else errors++;
    }
  };
  // A few concurrent posts keep the bus (one SQLite writer) busy without queueing thousands of requests.
  await Promise.all(Array.from({ length: 8 }, lane));
  return { published, errors };
}

/** B's contracts, one a second through CRM (its outbox publishes each `crm.contract.signed`). */
async function signEverySecond(
  api: PlatformClient,
  tenant: string,
  seconds: number,
): Promise<{ contracts: { contractId: string; t0: number }[]; errors: number }> {
  const contracts: { contractId: string; t0: number }[] = [];
  let errors = 0;
  const start = Date.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < seconds; i++) {
    const wait = start + i * SIGN_EVERY_MS - Date.now();
    if (wait > 0) await sleep(wait);
    const t0 = Date.now();
    inflight.push(
      api
        .signContract(tenant, { customerId: `cus-b-${i}`, contractNo: `B-${i}`, amountCents: 50_000 + i })
        .then((c) => void contracts.push({ contractId: c.id, t0 }))
        .catch(() => void errors++),
    );
  }
  await Promise.all(inflight);
  return { contracts, errors };
}
