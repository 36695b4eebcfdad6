/**
 * Bearer-token check for every route except `GET /healthz`. Digests are compared so timingSafeEqual gets
 * equal lengths and the comparison time does not depend on where the tokens differ.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { HttpError, sendError } from './errors';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

export function tokenMatches(header: string | undefined, expected: Buffer): boolean {
  if (!header?.startsWith('Bearer ')) return false;
  return timingSafeEqual(digest(header.slice('Bearer '.length)), expected);
}

export function installAuth(app: FastifyInstance, token: string): void {
  const expected = digest(token);
  app.addHook('onRequest', async (request, reply) => {
    if (request.method === 'GET' && request.url.split('?')[0] === '/healthz') return;
    if (!tokenMatches(request.headers.authorization, expected)) {
      return sendError(reply, new HttpError(401, 'unauthorized', 'missing or invalid bearer token'));
    }
  });
}
