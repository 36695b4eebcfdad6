/**
 * `npm run bench`: the linkage benchmark on the embedded default — its own Temporal dev server (a temp
 * SQLite file), the real platform process and real worker process(es) — against the manual's direct
 * dispatcher on the same events. Writes `bench/results/<timestamp>.json` and, for a full run, the
 * committed report `docs/benchmark.{md,json,svg}`.
 *
 * BENCH_QUICK=1: a ~1-minute smoke run (results file only).
 * BENCH_ONLY=<regex>: only the scenarios it matches (results file only), e.g. BENCH_ONLY=tenant-flood for the
 * tenant-flood rows (bench/tenant-flood.ts), sized by BENCH_FLOOD (A's events, default 5000) and
 * BENCH_B_SECONDS (B's signing seconds, default 30); BENCH_ONLY=backlog for the backlog and floor rows
 * (bench/backlog.ts), sized by BENCH_BACKLOG (contracts, default 500).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeMarkdown } from './markdown';
import { ROOT } from '../scripts/lib/paths';
import { startDevServer } from '../scripts/dev-server';
import { runScenario, type BenchEnv, type ScenarioResult, type ScenarioSpec, type ServerSettings } from './core';
import { loadAverage, machineInfo, withChildren, type PidSource } from './proc-stats';
import { startCluster, type Cluster } from '../scripts/cluster/cluster';
import { renderMarkdown, renderSvg, summarize, type BenchReport } from './report';
import { freePort } from '../scripts/lib/ports';
import { bundleWorkflowCode } from '@temporalio/worker';
import { errorsOnlyLogger } from '../worker/logging';
import { bundleLinkageWorkflows, WORKFLOWS_PATH } from '../worker/workflow-bundle';

const FLOOR_WORKFLOWS_PATH = require.resolve('./floor/workflows');
import { runTenantFlood, type TenantFloodResult, type TenantFloodSpec } from './tenant-flood';
import { runBacklog, type BacklogResult, type BacklogSpec } from './backlog';

const s = (sec: number) => sec * 1000;

/**
 * The backlog rows: N contracts signed with the worker stopped, then drained; and the engine's floor, 2N no-op
 * runs of the same shape drained by the same worker. Each on a dev server of its own.
 */
export function backlogPlan(contracts: number): BacklogSpec[] {
  return [
    { name: 'backlog', kind: 'linkage', contracts },
    // The lanes' backpressure taken back: a one-tenant backlog is a flood, so it has a lane.
    { name: 'backlog-no-backpressure', kind: 'linkage', contracts, workerEnv: { INTAKE_LANE_MAX_BACKLOG: '0' } },
    { name: 'backlog-floor', kind: 'floor', contracts },
  ];
}

/** The full run: the open-loop rates, the closed-loop maximum, the direct dispatcher, the backlog, then the tuning runs. */
export function fullPlan(contracts = 500): { main: ScenarioSpec[]; backlog: BacklogSpec[]; tuning: ScenarioSpec[] } {
  // Tuning runs are short closed loops with a small window, so an overloaded consumer drains quickly.
  const closed = (name: string, extra: Partial<ScenarioSpec> = {}): ScenarioSpec => ({
    name,
    system: 'temporal',
    load: { kind: 'closed', window: 30, durationMs: s(10) },
    drainTimeoutMs: s(30),
    server: {},
    ...extra,
  });
  return {
    // In priority order: what the targets and the headline need first, in case the time budget runs out.
    main: [
      {
        name: 'open-20',
        system: 'temporal',
        load: { kind: 'open', rate: 20, durationMs: s(20) },
        drainTimeoutMs: s(30),
      },
      {
        name: 'closed-max',
        system: 'temporal',
        load: { kind: 'closed', window: 100, durationMs: s(20) },
        drainTimeoutMs: s(60),
      },
      {
        name: 'direct-longpoll-closed-max',
        system: 'direct-longpoll',
        load: { kind: 'closed', window: 100, durationMs: s(15) },
      },
      {
        name: 'direct-longpoll-open-20',
        system: 'direct-longpoll',
        load: { kind: 'open', rate: 20, durationMs: s(20) },
      },
      { name: 'direct-poll5s-open-20', system: 'direct-poll', load: { kind: 'open', rate: 20, durationMs: s(20) } },
      {
        name: 'open-10',
        system: 'temporal',
        load: { kind: 'open', rate: 10, durationMs: s(15) },
        drainTimeoutMs: s(30),
      },
      {
        name: 'open-50',
        system: 'temporal',
        load: { kind: 'open', rate: 50, durationMs: s(15) },
        drainTimeoutMs: s(30),
      },
      {
        name: 'open-100',
        system: 'temporal',
        load: { kind: 'open', rate: 100, durationMs: s(15) },
        drainTimeoutMs: s(30),
      },
      // The same loads on the multi-service cluster on PostgreSQL (scripts/cluster/cluster.ts), same run.
      {
        name: 'cluster-closed-max',
        system: 'temporal',
        backend: 'cluster',
        load: { kind: 'closed', window: 100, durationMs: s(20) },
        drainTimeoutMs: s(60),
      },
      {
        name: 'cluster-open-20',
        system: 'temporal',
        backend: 'cluster',
        load: { kind: 'open', rate: 20, durationMs: s(20) },
        drainTimeoutMs: s(30),
      },
    ],
    backlog: backlogPlan(contracts),
    // Each change of the cost work taken back one at a time, against the same defaults, each on a fresh
    // dev server of its own (the main scenarios' server has grown by then): the before/after of each change.
    tuning: [
      closed('tune-baseline'),
      closed('tune-regular-activities', {
        workerEnv: { LINK_STEP_ACTIVITIES: 'regular' },
        change: { what: 'cell and data-lake calls as local activities', kept: true },
      }),
      closed('tune-sa-cache-refresh-off', {
        server: { dynamicConfig: ['system.forceSearchAttributesCacheRefreshOnRead=false'] },
        change: { what: 'no search-attribute cache refresh on every read (new namespaces then lag)', kept: false },
      }),
      closed('tune-eager-activities-server-off', {
        server: { dynamicConfig: ['system.enableActivityEagerExecution=false'] },
        change: { what: 'eager activity execution on the server', kept: true },
      }),
      closed('tune-sqlite-defaults', {
        server: { sqlitePragmas: { journal_mode: 'delete', synchronous: 'full' } },
        change: { what: 'SQLite in WAL mode with synchronous=normal', kept: true },
      }),
      closed('tune-no-preload', {
        bundleWithoutPreload: true,
        change: { what: 'workflow modules preloaded once per worker thread', kept: true },
      }),
      closed('tune-sqlite-cache-mmap', {
        server: { sqlitePragmas: { cache_size: '-65536', mmap_size: '268435456', temp_store: 'memory' } },
        change: { what: 'SQLite: 64 MiB page cache, 256 MiB mmap, temp store in memory', kept: false },
      }),
      closed('tune-taskqueue-partitions-1', {
        server: { dynamicConfig: ['matching.numTaskqueueReadPartitions=1', 'matching.numTaskqueueWritePartitions=1'] },
        change: { what: 'one task-queue partition instead of four', kept: false },
      }),
      closed('tune-eager-start-off', {
        workerEnv: { BENCH_EAGER_START: '0' },
        change: { what: 'eager workflow start', kept: true },
      }),
      closed('tune-datalake-threads-2', {
        platformEnv: { DATALAKE_THREADS: '2' },
        change: { what: 'data lake: one DuckDB thread instead of two', kept: true },
      }),
      closed('tune-reuseV8Context-off', {
        workerOptions: { reuseV8Context: false },
        change: { what: 'one reused V8 context per workflow thread', kept: true },
      }),
    ],
  };
}

export function quickPlan(contracts = 500): { main: ScenarioSpec[]; backlog: BacklogSpec[]; tuning: ScenarioSpec[] } {
  const short = { durationMs: s(5) };
  return {
    main: [
      { name: 'open-20', system: 'temporal', load: { kind: 'open', rate: 20, ...short }, drainTimeoutMs: s(15) },
      {
        name: 'closed-max',
        system: 'temporal',
        load: { kind: 'closed', window: 30, ...short },
        drainTimeoutMs: s(15),
      },
      { name: 'direct-longpoll-open-20', system: 'direct-longpoll', load: { kind: 'open', rate: 20, ...short } },
      { name: 'direct-longpoll-closed-max', system: 'direct-longpoll', load: { kind: 'closed', window: 30, ...short } },
    ],
    // Not in the quick run unless named (BENCH_ONLY=backlog).
    backlog: backlogPlan(contracts),
    tuning: [],
  };
}

/**
 * The tenant-flood rows, each on a dev server of its own: the singleton poller on one FIFO task queue (the
 * before row), tenant intake lanes, and lanes with Temporal's fairness keys per tenant on the task queue.
 */
export function tenantFloodPlan(flood: number, bSeconds: number): TenantFloodSpec[] {
  const fairnessOff = { dynamicConfig: ['matching.enableFairness=false'] };
  return [
    {
      name: 'tenant-flood',
      what: 'singleton poller, one FIFO task queue (before)',
      flood,
      bSeconds,
      workerEnv: { POLLER_LANE_THRESHOLD: '0' },
      server: fairnessOff,
    },
    {
      name: 'tenant-flood-fairness',
      what: 'singleton poller, fairness key = tenant (server matching.enableFairness=true)',
      flood,
      bSeconds,
      workerEnv: { POLLER_LANE_THRESHOLD: '0' },
      server: {},
    },
    {
      name: 'tenant-flood-lanes',
      what: 'tenant intake lanes, one FIFO task queue',
      flood,
      bSeconds,
      server: fairnessOff,
    },
    {
      name: 'tenant-flood-lanes-fairness',
      what: 'tenant intake lanes and fairness keys (after: the defaults)',
      flood,
      bSeconds,
      server: {},
    },
    {
      name: 'tenant-flood-no-backpressure',
      what: 'the defaults but lanes never wait for room in the runs’ queue (INTAKE_LANE_MAX_BACKLOG=0)',
      flood,
      bSeconds,
      workerEnv: { INTAKE_LANE_MAX_BACKLOG: '0' },
      server: {},
    },
    {
      name: 'tenant-flood-two-workers',
      what: 'the defaults, two worker processes (the intake split over both)',
      flood,
      bSeconds,
      workers: 2,
      server: {},
    },
  ];
}

function positiveIntEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, not ${raw}`);
  return n;
}

async function writeDocs(report: BenchReport): Promise<void> {
  fs.writeFileSync(path.join(ROOT, 'docs', 'benchmark.json'), `${JSON.stringify(report, null, 2)}\n`);
  fs.writeFileSync(path.join(ROOT, 'docs', 'benchmark.svg'), renderSvg(report));
  await writeMarkdown(path.join(ROOT, 'docs', 'benchmark.md'), renderMarkdown(report));
}

async function main(): Promise<void> {
  // BENCH_REPORT_FROM=<results json>: only (re)write docs/benchmark.* from an earlier run.
  if (process.env.BENCH_REPORT_FROM) {
    const report = JSON.parse(fs.readFileSync(process.env.BENCH_REPORT_FROM, 'utf8')) as BenchReport;
    report.summary = summarize(report.scenarios, report.backlog);
    report.skipped ??= [];
    // BENCH_TENANT_FLOOD_FROM=<results json>: the tenant-flood rows of a run of their own (BENCH_ONLY=tenant-flood).
    if (process.env.BENCH_TENANT_FLOOD_FROM) {
      const rows = JSON.parse(fs.readFileSync(process.env.BENCH_TENANT_FLOOD_FROM, 'utf8')) as BenchReport;
      report.tenantFlood = rows.tenantFlood;
      report.tenantFloodGeneratedAt = rows.generatedAt;
    }
    await writeDocs(report);
    console.log('report: docs/benchmark.md, docs/benchmark.json, docs/benchmark.svg');
    return;
  }
  const quick = process.env.BENCH_QUICK === '1';
  const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : null;
  const began = Date.now();
  const log = (m: string) => console.log(`[bench +${((Date.now() - began) / 1000).toFixed(0)}s] ${m}`);
  const machine = machineInfo();
  const loadBefore = loadAverage();
  log(
    `${quick ? 'quick' : 'full'} run on ${machine.nproc} × ${machine.cpuModel}, load average ${loadBefore.join(' ')}`,
  );

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'paas-bench-run-'));
  const server = await startDevServer({
    // BENCH_TEMPORAL_DB=memory: history in memory (diagnosis: is the SQLite file the bottleneck?).
    dbFile: process.env.BENCH_TEMPORAL_DB === 'memory' ? null : path.join(tmp, 'temporal.db'),
    port: await freePort(),
    ui: false,
    logFile: path.join(tmp, 'temporal.log'),
  });
  const results: ScenarioResult[] = [];
  const floodResults: TenantFloodResult[] = [];
  const backlogResults: BacklogResult[] = [];
  const skipped: string[] = [];
  let stopCluster = async () => undefined as void;
  // `npm run bench` must finish within 15 minutes: scenarios that would not fit are skipped (and listed).
  const budgetMs = Number(process.env.BENCH_BUDGET_SEC ?? (quick ? 100 : 840)) * 1000;
  try {
    log(`Temporal dev server ${server.address} (SQLite ${path.join(tmp, 'temporal.db')})`);
    const bundle = await bundleLinkageWorkflows();
    const bundlePath = path.join(tmp, 'workflow-bundle.js');
    fs.writeFileSync(bundlePath, bundle.code);
    const floorBundle = await bundleLinkageWorkflows(FLOOR_WORKFLOWS_PATH);
    const floorBundlePath = path.join(tmp, 'workflow-bundle-floor.js');
    fs.writeFileSync(floorBundlePath, floorBundle.code);
    const plainBundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: errorsOnlyLogger });
    const plainBundlePath = path.join(tmp, 'workflow-bundle-without-preload.js');
    fs.writeFileSync(plainBundlePath, plainBundle.code);
    const env: BenchEnv = {
      temporalAddress: server.address,
      namespace: server.namespace,
      serverPids: { temporal: [server.process.pid!] },
      backend: 'dev',
      workflowBundlePath: bundlePath,
      workflowBundleWithoutPreloadPath: plainBundlePath,
      floorBundlePath,
      log,
    };
    // The cluster scenarios share one cluster (its own PostgreSQL), started when the first one runs.
    let clusterStarted: Promise<Cluster> | undefined;
    const clusterEnv = async (): Promise<BenchEnv> => {
      clusterStarted ??= startCluster({ dir: path.join(tmp, 'cluster'), uiPort: null });
      const cluster = await clusterStarted;
      stopCluster = () => cluster.stop();
      log(`Temporal cluster ${cluster.address} (PostgreSQL ${cluster.postgres.host}:${cluster.postgres.port})`);
      return { ...env, temporalAddress: cluster.address, backend: 'cluster', serverPids: clusterPids(cluster) };
    };
    const contracts = positiveIntEnv('BENCH_BACKLOG', 500);
    const plan = quick ? quickPlan(contracts) : fullPlan(contracts);
    const backlogRows = plan.backlog.filter((spec) => (only ? only.test(spec.name) : !quick));
    for (const spec of [...plan.main, ...backlogRows, ...plan.tuning]) {
      if (only && !only.test(spec.name)) continue;
      if ('kind' in spec) {
        // About 20 linkages/s for the backlog and 40 runs/s for the floor, plus the signing and the worker's start.
        const left = budgetMs - (Date.now() - began);
        if (only === null && left < (spec.contracts * 2 * 1000) / (spec.kind === 'floor' ? 40 : 15) + 20_000) {
          skipped.push(spec.name);
          log(`${spec.name} skipped: ${Math.round(left / 1000)} s left of the time budget`);
          continue;
        }
        log(
          `${spec.name}: ${spec.kind === 'floor' ? `${2 * spec.contracts} no-op runs of a linkage's shape` : `${spec.contracts} contracts signed with the worker stopped`}, then drained`,
        );
        const r = await withOwnServer(tmp, {}, env, (own) => runBacklog(own, spec));
        backlogResults.push(r);
        const c = r.cpuMsPerLinkage;
        log(
          `  ${r.runs}/${r.runsExpected} runs, lost ${r.lost}, duplicated ${r.duplicated}; ${r.linkagesPerSec} linkages/s over ${r.windowMs} ms ` +
            `(intake ${r.intakeMs} ms, start → close p50/max ${r.startToClose.p50}/${r.startToClose.max} ms; ` +
            `${Object.entries(r.histories)
              .map(
                ([t, h]) =>
                  `${t}: ${h.workflowTasksMean} tasks, first task wait p50/p95 ${h.firstTaskWait.p50}/${h.firstTaskWait.p95} ms, eager ${h.eagerShare}`,
              )
              .join('; ')}); ` +
            `CPU ms per run: worker ${c.worker}, platform ${c.platform}, Temporal ${c.temporal}, engine ${c.engine}, total ${c.total}`,
        );
        continue;
      }
      // A rate is tried only if the one below it held (backlog under 10 s after the load).
      const below: Record<string, string> = { 'open-50': 'open-20', 'open-100': 'open-50' };
      const prev = below[spec.name] ? results.find((r) => r.name === below[spec.name]) : undefined;
      if (below[spec.name] && (!prev || prev.drainMs > 10_000 || !prev.allLinked)) {
        skipped.push(spec.name);
        log(`${spec.name} skipped: ${below[spec.name]} did not hold (backlog over 10 s, or not all linked)`);
        continue;
      }
      const remaining = budgetMs - (Date.now() - began);
      if (remaining < spec.load.durationMs + 15_000) {
        skipped.push(spec.name);
        log(`${spec.name} skipped: ${Math.round(remaining / 1000)} s left of the time budget`);
        continue;
      }
      log(`${spec.name}: ${describeLoad(spec)}`);
      const drainTimeoutMs = Math.min(
        spec.drainTimeoutMs ?? 90_000,
        Math.max(10_000, remaining - spec.load.durationMs - 10_000),
      );
      const r = spec.server
        ? await withOwnServer(tmp, spec.server, env, (own) => runScenario(own, { ...spec, drainTimeoutMs }))
        : spec.backend === 'cluster'
          ? await runScenario(await clusterEnv(), { ...spec, drainTimeoutMs })
          : await runScenario(env, { ...spec, drainTimeoutMs });
      results.push(r);
      log(
        `  ${r.events.published} events, linked ${r.events.linked}, runs ${r.linkagesTotal}/${r.linkagesExpected}; ` +
          `first effect p50/p95/p99 ${r.latencyMs.firstEffect.p50}/${r.latencyMs.firstEffect.p95}/${r.latencyMs.firstEffect.p99} ms; ` +
          `completed p50/p99 ${r.latencyMs.completed.p50}/${r.latencyMs.completed.p99} ms; ` +
          `${r.throughput.linkagesPerSec} linkages/s (${r.throughput.contractLinkagesPerSec} contracts/s), ` +
          `${r.throughput.downstreamCallsPerSec} calls/s; drain ${r.drainMs} ms; ` +
          `cpu ${Object.entries(r.resources)
            .map(([k, v]) => `${k} ${v.cpuPctMean}%`)
            .join(', ')}`,
      );
    }
    // Not in the quick run unless named; in the full run when the budget leaves room for it.
    const flood = positiveIntEnv('BENCH_FLOOD', 5000);
    const bSeconds = positiveIntEnv('BENCH_B_SECONDS', 30);
    const floodRows = tenantFloodPlan(flood, bSeconds).filter((spec) => (only ? only.test(spec.name) : !quick));
    // About what the singleton poller takes here per row (2 runs per event at ~30 runs/s, after B's signing):
    // the before and after rows run together or not at all.
    const floodLeftMs = budgetMs - (Date.now() - began);
    const floodFits = only !== null || floodLeftMs >= ((2 * flood * 1000) / 30 + bSeconds * 1000) * floodRows.length;
    for (const spec of floodRows) {
      if (!floodFits) {
        skipped.push(spec.name);
        log(`${spec.name} skipped: ${Math.round(floodLeftMs / 1000)} s left of the time budget`);
        continue;
      }
      log(`${spec.name}: ${spec.what}; A floods ${flood} events, then B signs 1 contract/s for ${bSeconds} s`);
      const r = await withOwnServer(tmp, spec.server, env, (own) => runTenantFlood(own, spec));
      floodResults.push(r);
      log(
        `  B signing → ERP order p50/p99 ${r.b.toOrder.p50}/${r.b.toOrder.p99} ms (to started p50/p99 ` +
          `${r.b.toStarted.p50}/${r.b.toStarted.p99} ms); B linked before A drained ${r.b.linkedBeforeADrained}/${r.b.signed}; ` +
          `A drain ${r.a.drainMs} ms (intake ${r.a.intakeMs} ms), ${r.a.linkagesPerSec} linkages/s; ` +
          `runs A ${r.a.runs}/${r.a.runsExpected}, B ${r.b.runs}/${r.b.runsExpected}; duplicated ${r.a.duplicated + r.b.duplicated}`,
      );
    }
  } finally {
    await stopCluster();
    await server.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }

  const report: BenchReport = {
    generatedAt: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    machine,
    loadAverageBefore: loadBefore,
    loadAverageAfter: loadAverage(),
    durationMs: Date.now() - began,
    summary: summarize(results, backlogResults),
    skipped,
    scenarios: results,
    ...(backlogResults.length ? { backlog: backlogResults } : {}),
    ...(floodResults.length ? { tenantFlood: floodResults } : {}),
  };
  const stamp = report.generatedAt.replace(/[:.]/g, '-');
  const resultsDir = path.join(ROOT, 'bench', 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  fs.writeFileSync(path.join(resultsDir, `${stamp}.json`), `${JSON.stringify(report, null, 2)}\n`);
  log(`results: bench/results/${stamp}.json`);
  if (!quick && !only) {
    await writeDocs(report);
    log('report: docs/benchmark.md, docs/benchmark.json, docs/benchmark.svg');
  }
  log(`headline: ${report.summary.headline}`);
}

/** The cluster's processes by role, PostgreSQL with its backends (one process per connection). */
function clusterPids(cluster: Cluster): Record<string, PidSource> {
  const p = cluster.pids();
  const of =
    (...names: string[]) =>
    () =>
      names.map((n) => p[n]).filter((x): x is number => x !== undefined);
  return {
    'temporal-frontend': of('frontend'),
    'temporal-history': of('history-1', 'history-2'),
    'temporal-matching': of('matching'),
    'temporal-worker': of('worker'),
    postgres: () => {
      const pid = cluster.postgres.pid();
      return pid ? withChildren(pid) : [];
    },
  };
}

/** A scenario on a dev server of its own, with settings over the product's (the before/after of a change). */
async function withOwnServer<T>(
  tmp: string,
  settings: ServerSettings,
  env: BenchEnv,
  fn: (own: BenchEnv) => Promise<T>,
): Promise<T> {
  const dir = fs.mkdtempSync(path.join(tmp, 'own-server-'));
  const server = await startDevServer({
    dbFile: path.join(dir, 'temporal.db'),
    port: await freePort(),
    ui: false,
    logFile: path.join(dir, 'temporal.log'),
    ...settings,
  });
  try {
    return await fn({ ...env, temporalAddress: server.address, serverPids: { temporal: [server.process.pid!] } });
  } finally {
    await server.stop();
  }
}

function describeLoad(spec: ScenarioSpec): string {
  const l = spec.load;
  const what = l.kind === 'open' ? `open loop ${l.rate} events/s` : `closed loop, ${l.window} linkages in flight`;
  return `${spec.system}, ${what}, ${l.durationMs / 1000} s`;
}

if (require.main === module) {
  main().catch((err) => {
    console.error(`bench failed: ${err instanceof Error ? err.stack : String(err)}`);
    process.exit(1);
  });
}
