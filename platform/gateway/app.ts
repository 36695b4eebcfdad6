/** The gateway: event bus, dead-letter queue and the proxy to the cells (SPEC §5). */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { PublishEventSchema } from '../../common/events';
import type { Logger } from '../../common/logger';
import { openDb } from '../shared/db';
import { validationError } from '../shared/errors';
import { createServer } from '../shared/server';
import { registerDlq } from './dlq';
import { createEventStore } from './event-store';
import { registerProxy, type CellUrls } from './proxy';

const ReadQuery = z.object({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  waitMs: z.coerce.number().int().min(0).max(30_000).default(0),
  tenantId: z.string().min(1).max(100).optional(),
});

export interface GatewayOptions {
  dataDir: string;
  token: string;
  logger: Logger;
  faultsEnabled?: boolean;
  cellUrls: () => CellUrls;
}

export interface GatewayApp {
  app: FastifyInstance;
  close(): Promise<void>;
}

export function createGateway(opts: GatewayOptions): GatewayApp {
  const logger = opts.logger.child({ service: 'gateway' });
  const db = openDb(opts.dataDir, 'gateway');
  const events = createEventStore(db);
  const app = createServer({ logger, token: opts.token, faultsEnabled: opts.faultsEnabled });
  const shutdown = new AbortController();

  app.post('/api/events', async (req, reply) => {
    const parsed = PublishEventSchema.safeParse(req.body ?? {});
    if (!parsed.success) throw validationError(parsed.error);
    const { eventId, seq, duplicate } = events.append(parsed.data);
    return duplicate ? reply.code(200).send({ eventId, seq, duplicate: true }) : reply.code(201).send({ eventId, seq });
  });
  app.get('/api/events', async (req, reply) => {
    const parsed = ReadQuery.safeParse(req.query);
    if (!parsed.success) throw validationError(parsed.error);
    const gone = new AbortController();
    // The response's 'close' fires when the client disconnects (the request's fires once its body is read).
    reply.raw.once('close', () => gone.abort());
    return events.read({ ...parsed.data, signal: AbortSignal.any([gone.signal, shutdown.signal]) });
  });
  registerDlq(app, db);
  const proxy = registerProxy(app, opts.cellUrls);

  return {
    app,
    async close() {
      shutdown.abort();
      await app.close();
      proxy.close();
      db.close();
    },
  };
}
