/**
 * `ANY /api/v1/<cell>/<path>` → the cell. Bodies are passed through as raw bytes (the cell validates
 * them), over keep-alive sockets so the gateway does not pay a TCP handshake per call. The suffix is forwarded
 * as sent: createServer has refused non-normalized targets, so the cell routes it as the gateway did.
 * The cell's answer is streamed to the client as it arrives: the gateway holds a chunk at a time, never a whole list.
 */
import http from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { access } from '../shared/access';
import { isCell, type Cell } from '../shared/config';
import { HttpError, notFound } from '../shared/errors';

const FORWARD_REQUEST = ['authorization', 'content-type', 'x-tenant-id', 'x-request-id', 'accept'];
const FORWARD_RESPONSE = ['content-type', 'idempotent-replayed'];
const UPSTREAM_TIMEOUT_MS = 60_000;

export type CellUrls = Partial<Record<Cell, string>>;

function call(
  agent: http.Agent,
  url: URL,
  req: FastifyRequest,
  reply: FastifyReply,
  body: Buffer | undefined,
): Promise<http.IncomingMessage> {
  const headers: Record<string, string> = {};
  for (const h of FORWARD_REQUEST) {
    const v = req.headers[h];
    if (typeof v === 'string') headers[h] = v;
  }
  if (body) headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    // Settles on the answer's head; its body (and a failure within it) travels with the stream.
    const upstream = http.request(url, { method: req.method, headers, agent, timeout: UPSTREAM_TIMEOUT_MS }, resolve);
    upstream.on('timeout', () =>
      upstream.destroy(new HttpError(504, 'gateway_timeout', 'cell did not answer in time')),
    );
    upstream.on('error', reject);
    // The caller gave up: stop the upstream call as well.
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) upstream.destroy();
    });
    upstream.end(body);
  });
}

export function registerProxy(app: FastifyInstance, cellUrls: () => CellUrls): { close(): void } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 128, maxFreeSockets: 32 });

  app.register(async (proxy) => {
    // Raw bytes for every content type: the gateway never re-serialises what it forwards.
    proxy.removeAllContentTypeParsers();
    proxy.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

    const handler = async (req: FastifyRequest<{ Params: { cell: string } }>, reply: FastifyReply) => {
      const { cell } = req.params;
      const base = isCell(cell) ? cellUrls()[cell] : undefined;
      if (!base) throw notFound(`cell ${cell}`);
      const rest = req.url.slice(`/api/v1/${cell}`.length); // keeps sub-path and query string verbatim
      const url = new URL(base.replace(/\/+$/, '') + (rest.startsWith('/') ? rest : `/${rest}`));
      let res: http.IncomingMessage;
      try {
        res = await call(agent, url, req, reply, Buffer.isBuffer(req.body) ? req.body : undefined);
      } catch (err) {
        if (err instanceof HttpError) throw err;
        req.log.warn({ cell, err: String(err) }, 'cell unreachable');
        throw new HttpError(502, 'bad_gateway', `cell ${cell} is unreachable`);
      }
      for (const h of FORWARD_RESPONSE) {
        const v = res.headers[h];
        if (v !== undefined) reply.header(h, v);
      }
      reply.code(res.statusCode ?? 502);
      // An answer without a body: drained so its keep-alive socket goes back to the pool.
      if (req.method === 'HEAD' || res.statusCode === 204 || res.statusCode === 304) {
        res.resume();
        return reply.send();
      }
      return reply.send(res);
    };
    // Any token; the cell checks the route it serves (the Authorization header is forwarded).
    proxy.all('/api/v1/:cell', access('tenant'), handler);
    proxy.all('/api/v1/:cell/*', access('tenant'), handler);
  });
  return { close: () => agent.destroy() };
}
