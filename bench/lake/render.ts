/** The lake benchmark's result: its JSON shape, a console table and the Markdown of docs/lake-benchmark.md. */
import type { MachineInfo, ResourceStats } from '../proc-stats';
import type { IngestFigures, ReportFigures } from './phases';

export interface LakeBenchResult {
  date: string;
  machine: MachineInfo;
  versions: { node: string; duckdb: string; duckdbNodeApi: string };
  settings: {
    rows: number;
    batchSize: number;
    fillClients: number;
    tenants: number;
    reportRuns: number;
    ranges: Record<string, string>;
  };
  fill: IngestFigures & { lake: ResourceStats };
  singles: IngestFigures[];
  store: { rows: number; diskMb: number };
  tenants: Record<string, { tenantId: string; rows: number; share: number }>;
  reports: Array<ReportFigures & { lake?: ResourceStats }>;
  loadAverage: { before: number[]; after: number[] };
  /** Mismatches between the largest tenant's reports and what was generated (empty: all correct). */
  check: string[];
  seconds: number;
}

const n = (v: number): string => v.toLocaleString('en-US');

function ingestRows(r: LakeBenchResult): string[][] {
  return [
    ['ingest', 'clients', 'requests', 'rows', 'rows/s', 'requests/s', 'latency p50 / p99 / max (ms)'],
    ...[
      [`batches of ${r.settings.batchSize}, empty → ${n(r.fill.rows)} rows`, r.fill] as const,
      ...r.singles.map((s) => [`single records, at ${n(r.store.rows)} rows`, s] as const),
    ].map(([what, f]) => [
      what,
      String(f.clients),
      n(f.requests),
      n(f.rows),
      n(f.rowsPerSecond),
      n(f.requestsPerSecond),
      `${f.latency.medianMs} / ${f.latency.p99Ms} / ${f.latency.maxMs}`,
    ]),
  ];
}

function reportRows(r: LakeBenchResult): string[][] {
  return [
    ['report', 'tenant', 'range', 'answer rows', 'median (ms)', 'max (ms)'],
    ...r.reports.map((x) => {
      const t = r.tenants[x.tenant];
      return [
        x.report,
        `${x.tenant} (${n(t.rows)} rows)`,
        x.range,
        String(x.rows),
        String(x.timing.medianMs),
        String(x.timing.maxMs),
      ];
    }),
  ];
}

export function consoleTables(r: LakeBenchResult): string {
  const table = (rows: string[][]) => {
    const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
    return rows.map((row) => row.map((c, i) => c.padEnd(widths[i])).join('  ')).join('\n');
  };
  return `${table(ingestRows(r))}\n\n${table(reportRows(r))}\n`;
}

const markdownTable = (rows: string[][]): string =>
  [rows[0], rows[0].map(() => '---'), ...rows.slice(1)].map((row) => `| ${row.join(' | ')} |`).join('\n');

export function renderMarkdown(r: LakeBenchResult): string {
  const m = r.machine;
  const largest = r.tenants.largest;
  return `# Data lake benchmark

\`npm run bench:lake\` (${r.date.slice(0, 10)}): the data lake alone as a real platform process
(\`platform/main.ts\`, \`PLATFORM_SERVICES=datalake\`) on a fresh data directory, filled through
\`POST /api/datalake/ingest\` to ${n(r.store.rows)} rows, then timed as a linkage run uses it (one record per
request) and as a reader does (the three reports). Figures are client-side wall times over loopback HTTP,
JSON included; written by \`bench/lake/run.ts\`, raw figures in [lake-benchmark.json](lake-benchmark.json).

**Machine:** ${m.cpuModel}, ${m.nproc} cores, ${Math.round(m.memTotalMb / 1024)} GiB, ${m.platform}.
**Versions:** Node ${r.versions.node}, DuckDB ${r.versions.duckdb} (\`@duckdb/node-api\` ${r.versions.duckdbNodeApi}).
Lake settings: 2 DuckDB threads, \`memory_limit\` 1 GB (platform/datalake/duckdb.ts).

**Data:** ${r.settings.tenants} tenants over the year 2024, the mix the linkage writes (common/lake.ts): sales
flows (contract, order, contract approval, status changes: rejections cancel the order, withdrawals both),
purchase flows (awarded quote, purchase order, its approval and status change) and stand-alone approvals;
one approval record in ten lacks createdAt / completedAt. The largest tenant holds ${n(largest.rows)} rows
(${Math.round(largest.share * 100)} %), the small one ${n(r.tenants.small.rows)}. On disk: ${r.store.diskMb} MB.

## Ingest

${markdownTable(ingestRows(r))}

The fill ran with ${r.settings.fillClients} concurrent clients, the load generator on the same machine; the lake
process used ${r.fill.lake.cpuPctMean} % CPU on average (100 % = one core), ${r.fill.lake.rssMbMax} MB RSS at most.
Single-record ingests are what a linkage run sends: one request per event or status change. Alone, each is one
DuckDB commit (a key look-up, the insert, the WAL); requests that arrive while a commit runs are committed
together in the next one (platform/datalake/writer.ts), which is why eight clients get more through than one.
Load average before / after the run: ${r.loadAverage.before.join(' ')} / ${r.loadAverage.after.join(' ')} (the machine
is shared: expect some noise).

## Reports

${r.settings.reportRuns} runs each, one at a time, after the ingests; "${Object.keys(r.settings.ranges)[1]}" is
\`${r.settings.ranges[Object.keys(r.settings.ranges)[1]]}\`.

${markdownTable(reportRows(r))}

Correctness at this size: ${
    r.check.length
      ? `**${r.check.length} mismatches** — ${r.check.join('; ')}`
      : "the largest tenant's report totals equal what the generator produced, and every report's rows add up to its totals"
  }. Whole run: ${Math.round(r.seconds)} s.
`;
}
