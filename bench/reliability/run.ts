/**
 * `npm run reliability`: every reliability scenario against the embedded stack — its own Temporal dev
 * server (SQLite file in a temp dir, restarted by one scenario), a real platform process and real worker
 * processes per scenario — then `docs/reliability.json` and `docs/reliability.md`.
 *
 * Environment: RELIABILITY_BACKEND (`dev`, the default, or `cluster`: the multi-service cluster on
 * PostgreSQL of scripts/cluster/cluster.ts, with its history-process kill and PostgreSQL restart),
 * RELIABILITY_EVENTS (business events per scenario, default 200), RELIABILITY_PUBLISH_SEC (publishing spread,
 * default 40), RELIABILITY_SCENARIOS (comma list, default all of the backend's: a subset replaces its own
 * rows, by backend and scenario, in the committed report and keeps the others, each row dated).
 */
import fs from 'node:fs';
import { writeMarkdown } from '../markdown';
import os from 'node:os';
import path from 'node:path';
import { startDevServer, type DevServer } from '../../scripts/dev-server';
import { freePort } from '../../test/helpers/ports';
import { startCluster } from '../../scripts/cluster/cluster';
import {
  ALL_SCENARIOS,
  CLUSTER_ONLY,
  DEFAULT_SCENARIOS,
  PLANS,
  runScenario,
  type ScenarioName,
  type ScenarioResult,
} from './scenarios';
import { SUITE_WORKER_ENV, type TemporalTarget } from './stack';

const ROOT = path.resolve(__dirname, '../..');

function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
  };
}

async function main(): Promise<void> {
  const events = Number(process.env.RELIABILITY_EVENTS ?? 200);
  const publishSec = Number(process.env.RELIABILITY_PUBLISH_SEC ?? 40);
  const backend = process.env.RELIABILITY_BACKEND || 'dev';
  if (backend !== 'dev' && backend !== 'cluster') throw new Error(`RELIABILITY_BACKEND=${backend}: dev or cluster`);
  const wanted = (process.env.RELIABILITY_SCENARIOS ?? '').split(',').filter(Boolean) as ScenarioName[];
  const scenarios = wanted.length ? wanted : DEFAULT_SCENARIOS[backend];
  for (const s of scenarios) if (!(s in PLANS)) throw new Error(`unknown scenario ${s}; known: ${ALL_SCENARIOS}`);
  const bad = backend === 'dev' ? scenarios.filter((s) => CLUSTER_ONLY.includes(s)) : [];
  if (bad.length) throw new Error(`${bad.join(', ')}: cluster faults; run with RELIABILITY_BACKEND=cluster`);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reliability-temporal-'));
  const log = (line: string) => console.log(line);
  const { temporal, stop } = backend === 'cluster' ? await clusterTarget(dir, log) : await devTarget(dir, log);
  const started = Date.now();
  const results: ScenarioResult[] = [];
  try {
    for (const name of scenarios) {
      log(`\n=== ${name}: ${PLANS[name].title}`);
      try {
        results.push(await runScenario(name, { events, publishSec, temporal, log }));
      } catch (err) {
        log(`scenario ${name} crashed: ${(err as Error).stack}`);
        process.exitCode = 1;
      }
    }
  } finally {
    await stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }

  const fresh: ReportRow[] = results.map((r) => ({ ...r, measuredAt: new Date().toISOString() }));
  // A run keeps the rows of the committed report it did not measure (the other backend's, or the other
  // scenarios' of a subset), in the suite's order: the dev server's first.
  const measured = (r: ReportRow) =>
    (r.backend ?? 'dev') === backend && (!wanted.length || scenarios.includes(r.scenario));
  const kept = previousRows().filter((r) => !measured(r));
  const order = (r: ReportRow) => ((r.backend ?? 'dev') === 'cluster' ? 100 : 0) + ALL_SCENARIOS.indexOf(r.scenario);
  const rows = [...kept, ...fresh].sort((a, b) => order(a) - order(b));
  const report = {
    generatedAt: new Date().toISOString(),
    durationSec: Math.round((Date.now() - started) / 1000),
    machine: machine(),
    settings: { eventsPerScenario: events, publishSec, workerEnv: SUITE_WORKER_ENV },
    allOk: results.length === scenarios.length && rows.every((r) => r.ok),
    scenarios: rows,
  };
  fs.writeFileSync(path.join(ROOT, 'docs/reliability.json'), `${JSON.stringify(report, null, 2)}\n`);
  await writeMarkdown(path.join(ROOT, 'docs/reliability.md'), markdown(report));
  log(`\nwrote docs/reliability.json and docs/reliability.md (${report.durationSec} s); all ok: ${report.allOk}`);
  if (!report.allOk) process.exitCode = 1;
}

type ReportRow = ScenarioResult & { measuredAt?: string };

interface Target {
  temporal: TemporalTarget;
  stop(): Promise<void>;
}

/** The suite's own dev server (SQLite file in `dir`), which the temporal-restart scenario restarts. */
async function devTarget(dir: string, log: (line: string) => void): Promise<Target> {
  const port = await freePort();
  const devOpts = { dbFile: path.join(dir, 'temporal.db'), port, ui: false, logFile: path.join(dir, 'temporal.log') };
  log(`Temporal dev server on 127.0.0.1:${port}, SQLite ${devOpts.dbFile}`);
  let server: DevServer = await startDevServer(devOpts);
  return {
    temporal: {
      address: server.address,
      namespace: server.namespace,
      backend: 'dev',
      async restart() {
        await server.stop();
        log('  Temporal dev server stopped');
        server = await startDevServer(devOpts);
        log('  Temporal dev server started again on the same SQLite file');
      },
    },
    stop: () => server.stop(),
  };
}

/** The multi-service cluster, with a PostgreSQL of its own in `dir`. */
async function clusterTarget(dir: string, log: (line: string) => void): Promise<Target> {
  const cluster = await startCluster({ dir: path.join(dir, 'cluster'), uiPort: null });
  log(`Temporal cluster ${cluster.address}, PostgreSQL ${cluster.postgres.host}:${cluster.postgres.port}`);
  return {
    temporal: { address: cluster.address, namespace: cluster.namespace, backend: 'cluster', cluster },
    stop: () => cluster.stop(),
  };
}

function previousRows(): ReportRow[] {
  try {
    const prev = JSON.parse(fs.readFileSync(path.join(ROOT, 'docs/reliability.json'), 'utf8')) as {
      generatedAt: string;
      scenarios: ReportRow[];
    };
    return prev.scenarios.map((r) => ({ ...r, measuredAt: r.measuredAt ?? prev.generatedAt }));
  } catch {
    return [];
  }
}

function markdown(r: {
  generatedAt: string;
  durationSec: number;
  machine: ReturnType<typeof machine>;
  settings: { eventsPerScenario: number; publishSec: number; workerEnv: Record<string, string> };
  allOk: boolean;
  scenarios: ReportRow[];
}): string {
  const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const rows = r.scenarios.map(
    (s, i) =>
      `| ${i + 1}. ${s.title} | ${s.backend === 'cluster' ? 'cluster (PostgreSQL)' : 'dev server'} | ${s.eventsIn} | ${s.runsStarted} | ${s.effectsExpected} | ${s.effectsFound} | ${s.lost} | ${s.duplicated} | ${s.unexpected} | ${s.deadLetters} | ${s.quiescent ? sec(s.quiescenceMs) : 'not reached'} | ${s.ok ? 'pass' : '**FAIL**'} | ${s.measuredAt?.slice(0, 10) ?? '-'} |`,
  );
  const faults = r.scenarios.map((s, i) => `${i + 1}. **${s.scenario}** — ${s.fault}.`);
  const failedChecks = r.scenarios.flatMap((s) =>
    s.checks.filter((c) => !c.ok).map((c) => `- ${s.scenario}: ${c.name} (${c.detail ?? ''})`),
  );
  // The scenarios whose checks are the point (each hostile request and its answer): listed in full.
  const listed = (name: string, heading: string) => {
    const s = r.scenarios.find((x) => x.scenario === name);
    const lines = s?.checks.map((c) => `- ${c.ok ? '✔' : '✘'} ${c.name}${c.detail ? ` — ${c.detail}` : ''}`);
    return lines ? `## ${heading}\n\n${lines.join('\n')}\n` : '';
  };
  return `# Reliability and security figures

Generated by \`npm run reliability\` on ${r.generatedAt} in ${r.durationSec} s. ${r.allOk ? 'Every scenario passed.' : '**Some scenarios failed: see below.**'}

Each scenario runs against the embedded stack: the suite's own Temporal dev server (SQLite file in a temp
directory) or, for the rows marked *cluster*, the multi-service cluster on PostgreSQL
(\`RELIABILITY_BACKEND=cluster\`: frontend, two history processes, matching and worker as processes, a
PostgreSQL instance of its own), a real platform process (gateway, cells, data lake; fault injection on) and real worker processes
(\`worker/main.ts\`), all with a fresh tenant. It publishes ~${r.settings.eventsPerScenario} events per tenant
over ~${r.settings.publishSec} s — contracts signed, requisitions, quotes awarded, approvals completed
(written back to documents created beforehand), generic events — plus the cascades the cells publish
themselves (each ERP order and PO made by a linkage publishes its own event), while the fault happens.
It then waits for quiescence (no running linkage of the tenant, one workflow per bus event, the poller's cursor
at the end of the bus, stable for 3 s) and checks every business effect with the pure checker
(\`bench/reliability/checker.ts\`): the effects the bus events require (ERP order per contract, OA approval per
contract / order / PO, RFQ per requisition, PO per awarded quote, status written back per approval,
data-lake row per valid event, dead letter per poison event or refused write-back) against what the cells,
the data lake and the dead-letter queue hold. Every live document counts, so a second live document of one
business source is a duplicate; cancelled and withdrawn ones do not count, and a cancelled order or PO
expects no approval (one still open for it is unexpected). The operator-path scenarios (the last five)
repair on purpose — \`retry --all\`, terminate, cancel, a fresh namespace, approving a compensated order's
approval — and check again after the repair.

| scenario | Temporal | events in | workflows | effects expected | effects found | lost | duplicated | unexpected | dead letters | time to quiescence | result | measured |
|---|---|---|---|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

*events in*: distinct events of the scenario's tenants on the bus (published ones plus the cells' cascades);
*workflows*: one per event (a retry adds a run to the same workflow); *dead letters*: all of them expected
(poison events, forged cross-tenant approvals, the runs an operator repaired); *time to quiescence*: from the
last publish until quiescent (before any repair); *measured*: the day of the row's run.

## The faults

${faults.join('\n')}

${listed('security', 'Security checks')}
${listed('hostile-tenant', 'Hostile tenant checks')}
${failedChecks.length ? `## Failed checks\n\n${failedChecks.join('\n')}\n` : ''}
## How to run

\`\`\`bash
npm run reliability                                   # every dev-server scenario
RELIABILITY_BACKEND=cluster npm run reliability       # worker kill, history-process kill, PostgreSQL restart
RELIABILITY_SCENARIOS=worker-kill,security npm run reliability
RELIABILITY_EVENTS=400 RELIABILITY_PUBLISH_SEC=60 npm run reliability
npx jest test/reliability                             # checker unit tests + the CI subset (small sizes)
\`\`\`

Worker settings (short windows so hangs and outages resolve within a scenario yet outlast every fault):
${Object.entries(r.settings.workerEnv)
  .map(([k, v]) => `\`${k}=${v}\``)
  .join(', ')}. Full figures per tenant, the lost / duplicated / unexpected keys if any, and every check are
in \`docs/reliability.json\`.

## Machine

${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGiB} GiB, ${r.machine.os}, Node ${r.machine.node};
shared with other work while it ran, so times are indicative.
`;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
