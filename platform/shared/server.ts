/**
 * The fastify setup every service shares: 1 MiB body limit, one JSON parser with our error codes, the
 * error/404 handlers, the refusal of routes without an access rule and of non-normalized targets, bearer auth
 * and (when enabled) fault injection.
 */
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from '../../common/logger';
import { access, installRouteTable, installTargetCheck } from './access';
import { createTokenMap, installAuth, singleTokenConfig, type TokenMap } from './auth';
import { HttpError, installErrorHandling } from './errors';
import { installFaults } from './faults';
import { activeTracing } from '../../common/tracing';
import { nameRequestSpans } from './tracing';
import { lazyRequestLogger } from './request-logger';

export const BODY_LIMIT = 1024 * 1024;

export interface ServerOptions {
  logger: Logger;
  /** A single admin token for all tenants, unless `tokens` is given . */
  token: string;
  tokens?: TokenMap;
  faultsEnabled?: boolean;
}

export function createServer(opts: ServerOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: opts.logger,
    bodyLimit: BODY_LIMIT,
    // stop() must not wait for idle keep-alive sockets or hanging (fault-injected) requests.
    forceCloseConnections: true,
    // Per-request info lines would drown the worker's logs in a demo; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyRequestLogger,
  }) as unknown as FastifyInstance;
  // Before any route is registered, so every one (plugins' too) is checked and recorded.
  installRouteTable(app);
  // The first onRequest hook: a disguised target is refused before auth or faults look at it.
  installTargetCheck(app);
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    // An empty body is allowed for POSTs that carry no data (award, withdraw).
    if (body === '') return done(null, undefined);
    try {
      done(null, JSON.parse(body as string));
    } catch (err) {
      done(
        new HttpError(400, 'invalid_json', 'malformed JSON body', [
          { field: '(body)', message: (err as Error).message },
        ]),
        undefined,
      );
    }
  });
  // Tracing on: each request's span named by service and route (the logger's `service`: gateway, erp, ...).
  if (activeTracing()) nameRequestSpans(app, String(opts.logger.bindings().service ?? 'platform'));
  installErrorHandling(app);
  installAuth(app, opts.tokens ?? createTokenMap(singleTokenConfig(opts.token)));
  if (opts.faultsEnabled) installFaults(app);
  app.get('/healthz', access('public'), async () => ({ status: 'ok' }));
  return app;
}

/** Listens and returns the base URL (with the real port when `port` is 0). */
export async function listen(app: FastifyInstance, host: string, port: number): Promise<string> {
  await app.listen({ host, port });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('server has no TCP address');
  const h = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${h}:${address.port}`;
}
