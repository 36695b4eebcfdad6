/**
 * `npm run bench:lake`: the data lake at a million rows (LAKE_BENCH_ROWS to run it smaller). Starts the lake
 * process on a fresh data directory, fills it, measures single-record ingests and the reports, checks the
 * largest tenant's reports against the generated data, prints a table and writes docs/lake-benchmark.{md,json}
 * (bench/results/ when run smaller than a million rows).
 */
import { version as duckdbVersion } from '@duckdb/node-api';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeMarkdown } from '../markdown';
import { z } from 'zod';
import { ROOT } from '../../scripts/lib/paths';
import { loadAverage, machineInfo, ResourceSampler } from '../proc-stats';
import { checkReports } from './check';
import { LakeDataset } from './dataset';
import { startLake } from './lake-process';
import { fill, reportTimings, singles } from './phases';
import { consoleTables, renderMarkdown, type LakeBenchResult } from './render';

const Env = z.object({
  LAKE_BENCH_ROWS: z.coerce.number().int().min(1000).default(1_000_000),
  LAKE_BENCH_BATCH: z.coerce.number().int().min(1).max(10_000).default(1000),
  LAKE_BENCH_CLIENTS: z.coerce.number().int().min(1).max(64).default(4),
  LAKE_BENCH_SINGLES: z.coerce.number().int().min(10).default(3000),
  LAKE_BENCH_RUNS: z.coerce.number().int().min(1).default(10),
});

const TENANTS = 10;
const RANGES = { all: '', '2024-Q2': '&from=2024-04-01&to=2024-07-01' };

const log = (msg: string) => process.stdout.write(`[bench:lake] ${msg}\n`);

function diskMb(dir: string): number {
  const bytes = fs.readdirSync(dir).reduce((a, f) => a + fs.statSync(path.join(dir, f)).size, 0);
  return Math.round(bytes / 1024 / 1024);
}

function packageVersion(name: string): string {
  const pkg = path.join(ROOT, 'node_modules', name, 'package.json');
  return (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { version: string }).version;
}

async function main(): Promise<void> {
  const env = Env.parse(process.env);
  const began = Date.now();
  const loadBefore = loadAverage();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paas-lake-bench-'));
  const lake = await startLake(dataDir);
  const pid = lake.proc.child.pid!;
  try {
    const data = new LakeDataset(TENANTS);
    log(`filling ${env.LAKE_BENCH_ROWS.toLocaleString('en-US')} rows in batches of ${env.LAKE_BENCH_BATCH}…`);
    let sampler = new ResourceSampler({ lake: [pid] });
    const filled = await fill(lake.url, data, env.LAKE_BENCH_ROWS, env.LAKE_BENCH_BATCH, env.LAKE_BENCH_CLIENTS);
    const fillResult = { ...filled, lake: sampler.stop().lake };
    log(`filled: ${filled.rowsPerSecond.toLocaleString('en-US')} rows/s`);

    const single = [];
    for (const clients of [1, 8]) {
      const requests = clients === 1 ? Math.round(env.LAKE_BENCH_SINGLES / 2) : env.LAKE_BENCH_SINGLES;
      log(`single-record ingests: ${requests} requests from ${clients} client(s)…`);
      single.push(await singles(lake.url, data, requests, clients));
    }

    const tenants = { largest: data.tenants[0], small: data.tenants[TENANTS - 1] };
    log('reports…');
    sampler = new ResourceSampler({ lake: [pid] });
    const reports = await reportTimings(lake.url, tenants, RANGES, env.LAKE_BENCH_RUNS);
    sampler.stop();
    const check = await checkReports(lake.url, tenants.largest, data.tally.get(tenants.largest)!);

    const totalRows = filled.rows + single.reduce((a, s) => a + s.rows, 0);
    const tenantInfo = (tenantId: string) => {
      const rows = data.tally.get(tenantId)!.rows;
      return { tenantId, rows, share: Math.round((rows / totalRows) * 1000) / 1000 };
    };
    await lake.proc.stop();
    const result: LakeBenchResult = {
      date: new Date().toISOString(),
      machine: machineInfo(),
      versions: { node: process.version, duckdb: duckdbVersion(), duckdbNodeApi: packageVersion('@duckdb/node-api') },
      settings: {
        rows: env.LAKE_BENCH_ROWS,
        batchSize: env.LAKE_BENCH_BATCH,
        fillClients: env.LAKE_BENCH_CLIENTS,
        tenants: TENANTS,
        reportRuns: env.LAKE_BENCH_RUNS,
        ranges: RANGES,
      },
      fill: fillResult,
      singles: single,
      store: { rows: totalRows, diskMb: diskMb(dataDir) },
      tenants: { largest: tenantInfo(tenants.largest), small: tenantInfo(tenants.small) },
      reports,
      loadAverage: { before: loadBefore, after: loadAverage() },
      check,
      seconds: (Date.now() - began) / 1000,
    };
    process.stdout.write(`\n${consoleTables(result)}\n`);
    if (check.length) log(`REPORT MISMATCHES:\n  ${check.join('\n  ')}`);
    await writeResult(result);
    if (check.length) process.exitCode = 1;
  } finally {
    await lake.proc.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** docs/ for a full-size run, bench/results/ (git-ignored) for a smaller one. */
async function writeResult(result: LakeBenchResult): Promise<void> {
  const dir = path.join(ROOT, result.settings.rows >= 1_000_000 ? 'docs' : 'bench/results');
  const md = path.join(dir, 'lake-benchmark.md');
  fs.writeFileSync(path.join(dir, 'lake-benchmark.json'), `${JSON.stringify(result, null, 2)}\n`);
  await writeMarkdown(md, renderMarkdown(result));
  log(`wrote ${path.relative(ROOT, md)} and lake-benchmark.json`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
