/** The gateway: event bus, dead-letter queue and the proxy to the cells (docs/platform.md). */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { PublishEventSchema } from '../../common/events';
import type { Logger } from '../../common/logger';
import { ALL_TENANTS, forbidden, principalOf, type TokenMap } from '../shared/auth';
import { access } from '../shared/access';
import { openDb } from '../shared/db';
import { conflict, validationError } from '../shared/errors';
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
const PositionQuery = z.object({
  at: z
    .string()
    .datetime({ offset: true })
    .transform((v) => new Date(v).toISOString()),
  tenantId: z.string().min(1).max(100).optional(),
});

export interface GatewayOptions {
  dataDir: string;
  token: string;
  /** Tenant-bound tokens; default: `token` as the only, admin token. */
  tokens?: TokenMap;
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
  const app = createServer({ logger, token: opts.token, tokens: opts.tokens, faultsEnabled: opts.faultsEnabled });
  const shutdown = new AbortController();

  app.post('/api/events', access('tenant'), async (req, reply) => {
    const parsed = PublishEventSchema.safeParse(req.body ?? {});
    if (!parsed.success) throw validationError(parsed.error);
    // The auth hook has checked the body's tenantId against the token.
    const appended = events.append(parsed.data);
    // Another tenant's event id: refused, never answered as a duplicate (which would drop this event).
    if ('conflict' in appended) throw conflict(`eventId ${appended.eventId} is already used by another tenant`);
    const { eventId, seq, duplicate } = appended;
    return duplicate ? reply.code(200).send({ eventId, seq, duplicate: true }) : reply.code(201).send({ eventId, seq });
  });
  app.get('/api/events', access('tenant'), async (req, reply) => {
    const parsed = ReadQuery.safeParse(req.query);
    if (!parsed.success) throw validationError(parsed.error);
    // A token bound to tenants reads one of them, named explicitly (the hook checked which): silently
    // filtering would make a missing tenantId look like an empty bus.
    if (principalOf(req).tenants !== ALL_TENANTS && !parsed.data.tenantId) {
      throw forbidden("this token reads only its own tenants' events: add tenantId=<tenant>");
    }
    const gone = new AbortController();
    // The response's 'close' fires when the client disconnects (the request's fires once its body is read).
    reply.raw.once('close', () => gone.abort());
    return events.read({ ...parsed.data, signal: AbortSignal.any([gone.signal, shutdown.signal]) });
  });
  // Where a time falls on the bus: the first seq received at or after `at` (a resync's `--from <time>`).
  app.get('/api/events/position', access('tenant'), async (req) => {
    const parsed = PositionQuery.safeParse(req.query);
    if (!parsed.success) throw validationError(parsed.error);
    if (principalOf(req).tenants !== ALL_TENANTS && !parsed.data.tenantId) {
      throw forbidden("this token reads only its own tenants' events: add tenantId=<tenant>");
    }
    return events.position(parsed.data.at, parsed.data.tenantId);
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
