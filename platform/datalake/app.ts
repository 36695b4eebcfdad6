/** The data lake: idempotent ingest, raw tables and the operating reports. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Logger } from '../../common/logger';
import { openDb } from '../shared/db';
import { validationError } from '../shared/errors';
import { createServer } from '../shared/server';
import { approvalEfficiency, purchaseCost, salesPerformance } from './reports';
import { createLakeStore } from './store';
import type { TokenMap } from '../shared/auth';

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
}

export function createDatalake(opts: DatalakeOptions): { app: FastifyInstance; close(): Promise<void> } {
  const logger = opts.logger.child({ service: 'datalake' });
  const db = openDb(opts.dataDir, 'datalake');
  const store = createLakeStore(db);
  const app = createServer({ logger, token: opts.token, tokens: opts.tokens, faultsEnabled: opts.faultsEnabled });
  const tenantOf = (query: unknown): string => {
    const parsed = TenantQuery.safeParse(query);
    if (!parsed.success) throw validationError(parsed.error);
    return parsed.data.tenantId;
  };

  app.post('/api/datalake/ingest', async (req) => {
    const parsed = IngestInput.safeParse(req.body ?? {});
    if (!parsed.success) throw validationError(parsed.error);
    const { tenantId, cellId, table, records } = parsed.data;
    return store.ingest(tenantId, cellId, table, records);
  });
  app.get('/api/datalake/tables/:cell/:table', async (req) => {
    const params = TableParams.safeParse(req.params);
    if (!params.success) throw validationError(params.error);
    return { items: store.table(tenantOf(req.query), params.data.cell, params.data.table) };
  });
  app.get('/api/datalake/reports/sales-performance', async (req) => salesPerformance(store, tenantOf(req.query)));
  app.get('/api/datalake/reports/purchase-cost', async (req) => purchaseCost(store, tenantOf(req.query)));
  app.get('/api/datalake/reports/approval-efficiency', async (req) => approvalEfficiency(store, tenantOf(req.query)));

  return {
    app,
    async close() {
      await app.close();
      db.close();
    },
  };
}
