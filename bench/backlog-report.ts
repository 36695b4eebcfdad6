/** The backlog section of docs/benchmark.md and its targets (bench/backlog.ts measures it). */
import type { BacklogResult } from './backlog';
import { round } from './proc-stats';
import type { Target } from './report';

const sec = (ms: number) => (ms / 1000).toFixed(1);

/** The product's backlog row and the floor row of the same run (the first of each). */
function pair(rows: BacklogResult[]): { ours?: BacklogResult; floor?: BacklogResult } {
  return { ours: rows.find((r) => r.kind === 'linkage'), floor: rows.find((r) => r.kind === 'floor') };
}

/** Worker + Temporal CPU per linkage of a row over the floor's per run. */
function floorRatio(r: BacklogResult, floor: BacklogResult | undefined): number | null {
  const f = floor?.cpuMsPerLinkage.engine;
  return f && r.cpuMsPerLinkage.engine ? round(r.cpuMsPerLinkage.engine / f, 2) : null;
}

export function backlogTargets(rows: BacklogResult[] | undefined): Target[] {
  const { ours, floor } = pair(rows ?? []);
  if (!ours) return [];
  const out: Target[] = [
    {
      what: `backlog drain (${ours.contracts} contracts signed with the worker stopped, ${ours.runsExpected} linkages), linkages/s`,
      target: '≥ 45',
      value: `${ours.linkagesPerSec} (lost ${ours.lost}, duplicated ${ours.duplicated})`,
      met: ours.linkagesPerSec >= 45 && ours.lost === 0 && ours.duplicated === 0,
    },
  ];
  const platform = ours.cpuMsPerLinkage.platform;
  if (platform !== undefined) {
    out.push({
      what: 'platform CPU per linkage (backlog)',
      target: '≤ 8.5 ms',
      value: `${platform} ms`,
      met: platform <= 8.5,
    });
  }
  const ratio = floorRatio(ours, floor);
  if (ratio !== null) {
    out.push({
      what: 'worker + Temporal CPU per linkage / the same-shape no-op floor (backlog, same run)',
      target: '≤ 1.1',
      value: `${ratio} (${ours.cpuMsPerLinkage.engine} / ${floor!.cpuMsPerLinkage.engine} ms)`,
      met: ratio <= 1.1,
    });
  }
  return out;
}

export function renderBacklog(rows: BacklogResult[] | undefined): string[] {
  if (!rows?.length) return [];
  const { floor } = pair(rows);
  const out = [
    '## Backlog drain, and the engine’s floor',
    '',
    'The backlog row signs N contracts through CRM (the real signing route, 8 requests in flight) while no worker ' +
      'runs, waits until the bus holds all N `crm.contract.signed` events, then starts the worker. Its **window** runs ' +
      'from the platform’s first ERP order (`createdAt`) to its last OA approval, covering 2N linkages (N contract ' +
      'runs and the N `erp.order.created` runs their orders cause). The **floor** row drains 2N runs of a no-op ' +
      'workflow of a linkage run’s shape (`bench/floor/workflow.ts`: one workflow task, three local activities that ' +
      'return at once, the linkage start’s search attributes, one upsert at close), started by the same worker ' +
      'process the way its poller starts linkage runs (eager start, `POLLER_START_CONCURRENCY` at a time); its window ' +
      'runs from the first start to the last close. Each row on a dev server of its own, same settings. CPU is ' +
      'sampled from the worker’s start to the last run closed; **engine** = worker + Temporal, and **vs floor** is a ' +
      'row’s engine CPU per linkage over the floor’s per run. **Intake** is the worker’s start → the last contract ' +
      'run started (the floor: the last run). **Lost** = expected runs not completed; **duplicated** = live ERP ' +
      'orders per contract and OA approvals per source beyond the first.',
    '',
    '| row | setting | runs / expected | lost | duplicated | window s | linkages/s | intake s | start → close p50 / max ms | CPU ms per linkage: worker | platform | Temporal | engine | total | vs floor |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const c = r.cpuMsPerLinkage;
    const setting = Object.entries(r.workerEnv)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    const ratio = r.kind === 'floor' ? '1' : (floorRatio(r, floor) ?? '–');
    out.push(
      `| ${r.name} | ${setting || 'defaults'} | ${r.runs} / ${r.runsExpected} | ${r.lost} | ${r.duplicated} | ${sec(r.windowMs)} | ${r.linkagesPerSec} | ${sec(r.intakeMs)} | ${r.startToClose.p50} / ${r.startToClose.max} | ${c.worker ?? '–'} | ${c.platform ?? '–'} | ${c.temporal ?? '–'} | ${c.engine ?? '–'} | ${c.total ?? '–'} | ${ratio} |`,
    );
  }
  out.push('');
  return out;
}
