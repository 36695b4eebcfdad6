/** The tenant-flood section of docs/benchmark.md (bench/tenant-flood.ts measures it). */
import type { TenantFloodResult } from './tenant-flood';

/** The full scenario's size; smaller rows are a quick run and say so. */
export const FULL_FLOOD = 5000;
export const FULL_B_SECONDS = 30;

const sec = (ms: number) => (ms / 1000).toFixed(1);
/** Rows of an earlier version of the scenario have no such count. */
const openAt = (r: TenantFloodResult) => {
  const p = r.b.aOpenAtOrder as TenantFloodResult['b']['aOpenAtOrder'] | undefined;
  return p && Number.isFinite(p.min) ? `${p.p50} / ${p.min}` : '–';
};

export function renderTenantFlood(rows: TenantFloodResult[] | undefined, generatedAt: string | undefined): string[] {
  const out = [
    '## Tenant flood: one tenant’s backlog, another tenant’s latency',
    '',
    `Tenant A publishes ${FULL_FLOOD.toLocaleString('en')} valid \`crm.contract.signed\` events straight on the bus, ` +
      'as fast as the bus takes them (8 requests in flight); then tenant B signs one contract a second for ' +
      `${FULL_B_SECONDS} s through CRM (the real signing route, its outbox publishes the event). Every row runs on a ` +
      'dev server of its own with a fresh platform and one worker process (`bench/tenant-flood.ts`). ' +
      '**B → order** is signing → the ERP order’s `createdAt` (the first effect of the other scenarios); it splits ' +
      'into **B → started** (signing → the run’s start time in Temporal: the intake, i.e. the bus read and the ' +
      'start, in bus order across tenants) and **started → order** (task-queue dispatch and the run’s own work). ' +
      '**A drain** is the first flood publish → A’s last run closed (each event makes 2 runs: the contract’s and ' +
      'its ERP order’s `erp.order.created`), **A intake** the first flood publish → the last flood event’s run started; ' +
      '**A linkages/s** is A’s runs over the drain. **B before A drained** counts B’s contracts whose run closed ' +
      'before A’s last run did; **A open at B’s order** is how many of A’s runs had not closed yet when B’s ' +
      'order was made (p50 / min): how much of A’s backlog B went past. Run it alone with `BENCH_ONLY=tenant-flood npm run bench` (one row: ' +
      '`BENCH_ONLY=^tenant-flood$`), smaller with `BENCH_FLOOD=1000 BENCH_B_SECONDS=10`; ' +
      '`BENCH_REPORT_FROM=docs/benchmark.json BENCH_TENANT_FLOOD_FROM=bench/results/<that run>.json npm run bench` ' +
      'puts such a run’s rows here.',
    '',
  ];
  if (!rows?.length) {
    out.push('Not in this run (the 15-minute budget left no room for it, or it was not selected).', '');
    return out;
  }
  const { flood, bSeconds } = rows[0];
  const quick = flood < FULL_FLOOD || bSeconds < FULL_B_SECONDS;
  out.push(
    `${generatedAt ? `Run of its own on ${generatedAt}` : 'Same run'}: A ${flood.toLocaleString('en')} events, ` +
      `B ${bSeconds} s; one run per row, the load average column shows how busy the machine was.` +
      (quick
        ? ' **A quick run**, smaller than the full scenario, on a 2-core machine shared with other work: the ' +
          'rows compare with each other, not with the tables above.'
        : ''),
    '',
    '| row | what | B → order p50 / p99 ms | B → started p50 / p99 ms | started → order p50 / p99 ms | B before A drained | A open at B’s order p50 / min | A drain s (intake s) | A linkages/s | runs A / B | duplicated | load avg |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const r of rows) {
    const p = (x: { p50: number; p99: number }) => `${x.p50} / ${x.p99}`;
    out.push(
      `| ${r.name} | ${r.what} | ${p(r.b.toOrder)} | ${p(r.b.toStarted)} | ${p(r.b.startedToOrder)} | ` +
        `${r.b.linkedBeforeADrained} of ${r.b.signed} | ${openAt(r)} | ${sec(r.a.drainMs)} (${sec(r.a.intakeMs)}) | ${r.a.linkagesPerSec} | ` +
        `${r.a.runs}/${r.a.runsExpected} / ${r.b.runs}/${r.b.runsExpected}${r.allLinked ? '' : ' ⚠'} | ` +
        `${r.a.duplicated + r.b.duplicated} | ${r.loadAvgBefore[0]} → ${r.loadAvgAfter[0]} |`,
    );
  }
  out.push('');
  const split = rows.filter((r) => r.intake && r.intake.length > 1);
  if (split.length) {
    out.push(
      'The intake per worker process (from the poller’s and the lanes’ histories: the activity tasks each worker ' +
        'ran and the linkage workflows they started):',
      '',
      '| row | worker | poller pages | lane pages | runs started |',
      '|---|---|---|---|---|',
    );
    for (const r of split) {
      for (const w of r.intake ?? []) {
        out.push(`| ${r.name} | ${w.identity} | ${w.pollerPages} | ${w.lanePages} | ${w.started} |`);
      }
    }
    out.push('');
  }
  return out;
}
