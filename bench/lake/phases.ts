/**
 * What the lake benchmark measures, one function per phase: the batched fill, single-record ingests (what a
 * linkage run sends) and the reports' response times. Each answers its figures; run.ts strings them together.
 */
import { batches, LakeDataset } from './dataset';
import { forEachConcurrently } from '../../common/concurrency';
import { getJson, ingest } from './client';
import { perSecond, timed, timing, type Timing } from './stats';

export interface IngestFigures {
  rows: number;
  requests: number;
  clients: number;
  seconds: number;
  rowsPerSecond: number;
  requestsPerSecond: number;
  /** Per request. */
  latency: Timing;
}

async function measureIngests(lakeUrl: string, clients: number, items: Iterable<Parameters<typeof ingest>[1]>) {
  let rows = 0;
  const latencies: number[] = [];
  const ms = await timed(() =>
    forEachConcurrently(items, clients, async (body) => {
      latencies.push(await timed(() => ingest(lakeUrl, body)));
      rows += body.records.length;
    }),
  );
  const figures: IngestFigures = {
    rows,
    requests: latencies.length,
    clients,
    seconds: Math.round(ms / 100) / 10,
    rowsPerSecond: perSecond(rows, ms),
    requestsPerSecond: perSecond(latencies.length, ms),
    latency: timing(latencies),
  };
  return figures;
}

/** Fills the lake with at least `rows` records in batches of `batchSize`, from `clients` callers. */
export function fill(lakeUrl: string, data: LakeDataset, rows: number, batchSize: number, clients: number) {
  return measureIngests(lakeUrl, clients, batches(data, rows, batchSize));
}

/**
 * About `requests` ingests of one record each (whole flows of the largest tenant, so its tally stays exact),
 * from `clients` callers.
 */
export function singles(lakeUrl: string, data: LakeDataset, requests: number, clients: number) {
  function* oneByOne() {
    for (let sent = 0; sent < requests;) {
      for (const ingest of data.flow(0)) {
        sent++;
        yield ingest;
      }
    }
  }
  return measureIngests(lakeUrl, clients, oneByOne());
}

export const REPORTS = ['sales-performance', 'purchase-cost', 'approval-efficiency'] as const;
export type ReportName = (typeof REPORTS)[number];

export interface ReportFigures {
  report: ReportName;
  tenant: string;
  /** The query's range, or 'all' */
  range: string;
  rows: number;
  timing: Timing;
}

/** Each report `runs` times, one request at a time; the first (cold) run counts like the others. */
export async function reportTimings(
  lakeUrl: string,
  tenants: Record<string, string>,
  ranges: Record<string, string>,
  runs: number,
): Promise<ReportFigures[]> {
  const out: ReportFigures[] = [];
  for (const [label, tenantId] of Object.entries(tenants)) {
    for (const [range, query] of Object.entries(ranges)) {
      for (const report of REPORTS) {
        const url = `${lakeUrl}/api/datalake/reports/${report}?tenantId=${tenantId}${query}`;
        let rows = 0;
        const durations: number[] = [];
        for (let i = 0; i < runs; i++) {
          durations.push(await timed(async () => (rows = (await getJson<{ rows: unknown[] }>(url)).rows.length)));
        }
        out.push({ report, tenant: label, range, rows, timing: timing(durations) });
      }
    }
  }
  return out;
}
