/**
 * Bearer tokens bound to tenants and roles, shared by the gateway, the cells and the data lake.
 *
 * - `tenant`: acts for its listed tenants only (their events and records);
 * - `service` (the linkage worker, the cells' outbox): every tenant (or those listed); may post dead letters;
 * - `admin`: every tenant, plus the admin routes (DLQ, fault injection).
 *
 * Every tenant a request names (the `X-Tenant-ID` header, a `tenantId` query parameter, a top-level
 * `tenantId` of a JSON body) must be one the token may act for: 403 otherwise. Which roles a route takes is
 * its declared access (access.ts); routes that need more (the bus read) ask `principalOf`. Lookup digests
 * every configured token and compares all of them with timingSafeEqual, so the time taken depends neither
 * on where tokens differ nor on which one matched.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { accessOf, refusal } from './access';
import { HttpError, sendError } from './errors';

export const ROLES = ['tenant', 'service', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export const ALL_TENANTS = '*';

const TokenEntrySchema = z
  .object({
    token: z.string().min(1).max(1000),
    // A custom message: zod's own would echo the value, which might be a misplaced token.
    role: z.enum(ROLES, { errorMap: () => ({ message: `one of ${ROLES.join(', ')}` }) }),
    /** `["*"]` = all tenants; required for role `tenant` (which may not use `*`). */
    tenants: z.array(z.string().min(1).max(100)).min(1).max(10_000).optional(),
    /** Shown in logs instead of the token. */
    name: z.string().min(1).max(200).optional(),
  })
  .strict()
  .superRefine((e, ctx) => {
    const all = e.tenants?.includes(ALL_TENANTS) ?? false;
    if (e.role === 'tenant' && (!e.tenants || all)) {
      ctx.addIssue({ code: 'custom', path: ['tenants'], message: 'a tenant token lists its tenants (no "*")' });
    }
    // The admin routes are not tenant-scoped (the DLQ, faults), so an admin token restricted to some
    // tenants would be a false promise.
    if (e.role === 'admin' && e.tenants && !all) {
      ctx.addIssue({ code: 'custom', path: ['tenants'], message: 'an admin token acts for all tenants ("*")' });
    }
  });

/** The token map's format (PLATFORM_TOKENS / PLATFORM_TOKENS_FILE, docs/platform.md). */
export const TokenConfigSchema = z
  .object({ tokens: z.array(TokenEntrySchema).min(1) })
  .strict()
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.tokens.forEach((e, i) => {
      // Never echo the value: only where the duplicate is.
      if (seen.has(e.token)) ctx.addIssue({ code: 'custom', path: ['tokens', i, 'token'], message: 'listed twice' });
      seen.add(e.token);
    });
  });
export type TokenConfig = z.infer<typeof TokenConfigSchema>;

export interface Principal {
  role: Role;
  /** `'*'` or the tenants this token may act for. */
  tenants: typeof ALL_TENANTS | ReadonlySet<string>;
  /** For logs: the entry's name, else `<role>#<index>`; never the token. */
  name: string;
}

export interface TokenMap {
  /** The principal of an `Authorization` header value, if its bearer token is configured. */
  resolve(header: string | undefined): Principal | undefined;
  /** The token the cells' outbox publishes with: the first service token, else the first admin token. */
  internalToken: string;
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Builds the map from a configuration (throws a ZodError on a bad one; the message never holds a token). */
export function createTokenMap(config: TokenConfig): TokenMap {
  const parsed = TokenConfigSchema.parse(config);
  const entries = parsed.tokens.map((e, i) => ({
    digest: digest(e.token),
    principal: {
      role: e.role,
      tenants: !e.tenants || e.tenants.includes(ALL_TENANTS) ? ALL_TENANTS : new Set(e.tenants),
      name: e.name ?? `${e.role}#${i}`,
    } satisfies Principal,
  }));
  const internal =
    parsed.tokens.find((e) => e.role === 'service' && !e.tenants?.some((t) => t !== ALL_TENANTS)) ??
    parsed.tokens.find((e) => e.role === 'admin');
  if (!internal) {
    throw new z.ZodError([
      {
        code: 'custom',
        path: ['tokens'],
        message: 'needs a service token for all tenants or an admin token (the cells publish their events with it)',
      },
    ]);
  }
  return {
    internalToken: internal.token,
    resolve(header) {
      if (!header?.startsWith('Bearer ')) return undefined;
      const presented = digest(header.slice('Bearer '.length));
      let found: Principal | undefined;
      // No early exit: every entry is compared whatever matches.
      for (const e of entries) if (timingSafeEqual(presented, e.digest) && !found) found = e.principal;
      return found;
    },
  };
}

/** Today's behaviour: one token, admin, for all tenants. */
export const singleTokenConfig = (token: string): TokenConfig => ({
  tokens: [{ token, role: 'admin', name: 'admin' }],
});

export function mayActFor(p: Principal, tenantId: string): boolean {
  return p.tenants === ALL_TENANTS || p.tenants.has(tenantId);
}

export const forbidden = (message: string): HttpError => new HttpError(403, 'forbidden', message);

const principals = new WeakMap<FastifyRequest['raw'], Principal>();

/** The authenticated caller (set for every route but the public ones). */
export function principalOf(request: FastifyRequest): Principal {
  const p = principals.get(request.raw);
  if (!p) throw new HttpError(401, 'unauthorized', 'missing or invalid bearer token');
  return p;
}

/** 403 unless the caller may act for every tenant named; `where` says where the tenant was named. */
export function checkTenants(p: Principal, tenants: unknown[], where: string): void {
  for (const t of tenants) {
    if (typeof t === 'string' && !mayActFor(p, t)) {
      throw forbidden(`this token may not act for tenant ${JSON.stringify(t)} (${where})`);
    }
  }
}

/**
 * 403 unless the caller has one of `roles`: handlers of the admin routes check again themselves, so a route
 * whose declared access were ever wrong still refuses.
 */
export function requireRole(request: FastifyRequest, ...roles: Role[]): Principal {
  const p = principalOf(request);
  if (!roles.includes(p.role))
    throw forbidden(`${request.method} ${request.routeOptions.url} needs role ${roles.join(' or ')}`);
  return p;
}

const asList = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export function installAuth(app: FastifyInstance, tokens: TokenMap): void {
  // Decided by the route that matched (its declared access), never by the URL's spelling. No route matched
  // (404): a valid token is still required, so an unknown path answers 401 before it answers 404.
  app.addHook('onRequest', async (request, reply) => {
    const level = accessOf(request);
    if (level === 'public') return;
    const p = tokens.resolve(request.headers.authorization);
    if (!p) return sendError(reply, new HttpError(401, 'unauthorized', 'missing or invalid bearer token'));
    principals.set(request.raw, p);
    try {
      const refused = level && refusal(request, level, p);
      if (refused) throw refused;
      checkTenants(p, asList(request.headers['x-tenant-id']), 'X-Tenant-ID');
      checkTenants(p, asList((request.query as Record<string, unknown> | undefined)?.tenantId), 'query tenantId');
    } catch (err) {
      request.log.warn({ principal: p.name, role: p.role, route: request.routeOptions.url }, (err as Error).message);
      return sendError(reply, err as HttpError);
    }
  });
  // Bodies are parsed after onRequest: a JSON body's own `tenantId` (an event, an ingest, a dead letter).
  app.addHook('preValidation', async (request, reply) => {
    const p = principals.get(request.raw);
    const body = request.body;
    if (!p || !body || typeof body !== 'object' || Array.isArray(body) || Buffer.isBuffer(body)) return;
    try {
      checkTenants(p, asList((body as Record<string, unknown>).tenantId), 'body tenantId');
    } catch (err) {
      request.log.warn({ principal: p.name, role: p.role }, (err as Error).message);
      return sendError(reply, err as HttpError);
    }
  });
}
