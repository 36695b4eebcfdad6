/**
 * The lake benchmark's phases at a tiny size, against a real lake process: the generated records go in
 * batched and one by one, and every tenant's reports say what was generated and add up. No timing assertions.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkReports } from '../../bench/lake/check';
import { LakeDataset } from '../../bench/lake/dataset';
import { startLake, type LakeProcess } from '../../bench/lake/lake-process';
import { fill, reportTimings, singles } from '../../bench/lake/phases';

let lake: LakeProcess;
let dataDir: string;
beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lake-smoke-'));
  lake = await startLake(dataDir);
});
afterAll(async () => {
  await lake?.proc.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('2,000 rows batched and 50 single records: every report matches the generated data', async () => {
  const data = new LakeDataset(3);
  const filled = await fill(lake.url, data, 2000, 100, 3);
  expect(filled.rows).toBeGreaterThanOrEqual(2000);
  const one = await singles(lake.url, data, 50, 4);
  expect(one.requests).toBe(one.rows);
  for (const tenantId of data.tenants) {
    expect(await checkReports(lake.url, tenantId, data.tally.get(tenantId)!)).toEqual([]);
  }
  const timings = await reportTimings(lake.url, { largest: data.tenants[0] }, { all: '' }, 1);
  expect(timings.map((t) => t.report)).toEqual(['sales-performance', 'purchase-cost', 'approval-efficiency']);
  expect(timings.every((t) => t.rows > 0)).toBe(true);
});
