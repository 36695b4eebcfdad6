/** The data lake: idempotent ingest, raw tables and the operating reports. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Logger } from '../../common/logger';
import { access } from '../shared/access';
import type { TokenMap } from '../shared/auth';
import { HttpError, parse } from '../shared/errors';
import { createServer } from '../shared/server';
import { ReportQuery } from './report-query';
import { approvalEfficiency, purchaseCost, salesPerformance } from './reports';
import type { DuckDbSizing } from './duckdb';
import { LakePageQuery, openLakeStore, type LakeStore } from './store';

const name = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only');
const IngestInput = z.object({
  tenantId: z.string().min(1).max(100),
  cellId: name,
  table: name,
  records: z
    .array(z.object({ eventId: z.string().min(1).max(200) }).passthrough())
    .min(1)
    .max(10_000),
});
const TenantQuery = z.object({ tenantId: z.string().min(1).max(100) });
const TableParams = z.object({ cell: name, table: name });

export interface DatalakeOptions {
  dataDir: string;
  token: string;
  tokens?: TokenMap;
  logger: Logger;
  faultsEnabled?: boolean;
  /** DuckDB's threads and memory limit. */
  duckdb?: DuckDbSizing;
}

export function createDatalake(opts: DatalakeOptions): { app: FastifyInstance; close(): Promise<void> } {
  const logger = opts.logger.child({ service: 'datalake' });
  const app = createServer({ logger, token: opts.token, tokens: opts.tokens, faultsEnabled: opts.faultsEnabled });
  // DuckDB opens asynchronously: before the server listens (ready), so a bad data directory fails the start.
  let store: LakeStore | undefined;
  app.addHook('onReady', async () => {
    store = await openLakeStore(opts.dataDir, logger, opts.duckdb);
  });
  const lake = (): LakeStore => {
    if (!store) throw new HttpError(503, 'unavailable', 'the data lake is not open');
    return store;
  };

  const tenant = access('tenant');
  app.post('/api/datalake/ingest', tenant, async (req) => {
    const { tenantId, cellId, table, records } = parse(IngestInput, req.body);
    return lake().ingest(tenantId, cellId, table, records);
  });
  app.get('/api/datalake/tables/:cell/:table', tenant, async (req) => {
    const { cell, table } = parse(TableParams, req.params);
    const { tenantId } = parse(TenantQuery, req.query);
    return lake().table(tenantId, cell, table, parse(LakePageQuery, req.query));
  });
  app.get('/api/datalake/reports/sales-performance', tenant, async (req) =>
    salesPerformance(lake(), parse(ReportQuery, req.query)),
  );
  app.get('/api/datalake/reports/purchase-cost', tenant, async (req) =>
    purchaseCost(lake(), parse(ReportQuery, req.query)),
  );
  app.get('/api/datalake/reports/approval-efficiency', tenant, async (req) =>
    approvalEfficiency(lake(), parse(ReportQuery, req.query)),
  );

  return {
    app,
    async close() {
      await app.close();
      const open = store;
      store = undefined;
      await open?.close();
    },
  };
}
