/**
 * Who may call what: every route declares its access in its own options (`config: { access }`), and the
 * auth hook decides from the route that matched, never from a URL prefix. A route without a rule is refused
 * when it is registered, so a new route cannot forget it. Levels, each admitting the roles above it:
 *
 * - `public`: no token (`GET /healthz` only);
 * - `tenant`: any valid token, within the tenants it may act for (auth.ts `checkTenants`);
 * - `service`: a service or admin token (the worker posting dead letters);
 * - `admin`: an admin token only (the DLQ, fault injection).
 *
 * Request targets are refused (400) unless normalized: Fastify routes on the decoded path, so `/api/%61dmin`,
 * `/x/../api/admin` or an absolute-form `http://host/api/admin` would otherwise match a route another
 * spelling of which the caller checks.
 */
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { z } from 'zod';
import { HttpError } from './errors';
import type { Principal, Role } from './auth';

export const ACCESS = ['public', 'tenant', 'service', 'admin'] as const;
export type Access = (typeof ACCESS)[number];
const AccessSchema = z.enum(ACCESS);

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
}

/** Route options stating who may call the route: `app.get('/x', access('tenant'), handler)`. */
export const access = (level: Access): { config: { access: Access } } => ({ config: { access: level } });

const RANK: Record<Role, number> = { tenant: 1, service: 2, admin: 3 };
const NEEDS: Record<Exclude<Access, 'public'>, number> = { tenant: 1, service: 2, admin: 3 };

/** Whether a role may call a route of this access level (`public` needs no token at all). */
export function allows(level: Access, role: Role | undefined): boolean {
  if (level === 'public') return true;
  return role !== undefined && RANK[role] >= NEEDS[level];
}

/** The matched route's access, undefined when no route matched (the 404 handler: a token is still required). */
export const accessOf = (request: FastifyRequest): Access | undefined => request.routeOptions.config?.access;

const needs: Record<Access, string> = {
  public: 'no token',
  tenant: 'a token',
  service: 'an admin token (or a service token)',
  admin: 'an admin token',
};

/** 403 unless the caller's role may call routes of this level (message: what the route needs). */
export function refusal(request: FastifyRequest, level: Access, p: Principal): HttpError | undefined {
  if (allows(level, p.role)) return undefined;
  return new HttpError(403, 'forbidden', `${request.method} ${request.routeOptions.url} needs ${needs[level]}`);
}

export interface RouteEntry {
  method: string;
  url: string;
  access: Access;
}

const tables = new WeakMap<FastifyInstance, RouteEntry[]>();

/**
 * Refuses (throws) any route registered without an access rule, and records the route table that
 * `routeTable` answers. Installed on the root instance before any route: it covers every plugin's routes.
 */
export function installRouteTable(app: FastifyInstance): void {
  const table: RouteEntry[] = [];
  tables.set(app, table);
  app.addHook('onRoute', (route: RouteOptions) => {
    const parsed = AccessSchema.safeParse(route.config?.access);
    const methods = [route.method].flat();
    if (!parsed.success) {
      throw new Error(
        `route ${methods.join(',')} ${route.url} declares no access (config: { access: ${ACCESS.join(' | ')} })`,
      );
    }
    for (const method of methods) table.push({ method, url: route.url, access: parsed.data });
  });
}

/** Every route of an app built by createServer: method, url (with its prefix), access. */
export function routeTable(app: FastifyInstance): readonly RouteEntry[] {
  const table = tables.get(app);
  if (!table) throw new Error('not an app built by createServer');
  return table;
}

// Unreserved characters (RFC 3986) have one spelling: percent-encoded they only serve to disguise a path.
const ENCODED_UNRESERVED_OR_SLASH = /%(?:[46][1-9a-f]|[57][0-9a]|3[0-9]|2[def]|5f|7e|5c)/i;
const MALFORMED_PERCENT = /%(?![0-9a-f]{2})/i;

/** Why a raw request target is not a normalized origin-form path, or undefined when it is (query ignored). */
export function targetProblem(rawUrl: string): string | undefined {
  const q = rawUrl.indexOf('?');
  const path = q === -1 ? rawUrl : rawUrl.slice(0, q);
  if (!path.startsWith('/')) return 'the target must be a path (no absolute form)';
  if (path.includes('//')) return 'empty path segment (//)';
  // `/orders/` would match `/orders/:id` with an empty id: one spelling per route.
  if (path.length > 1 && path.endsWith('/')) return 'trailing slash';
  if (path.includes('\\')) return 'backslash in the path';
  if (path.split('/').some((s) => s === '.' || s === '..')) return 'dot segment in the path';
  if (MALFORMED_PERCENT.test(path)) return 'malformed percent-encoding';
  if (ENCODED_UNRESERVED_OR_SLASH.test(path)) return 'percent-encoded letter, digit, "-._~", "/" or "\\" in the path';
  return undefined;
}

/** 400 on a non-normalized target, before any other hook: the first onRequest hook of every server. */
export function installTargetCheck(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    const problem = targetProblem(request.raw.url ?? '');
    if (problem) throw new HttpError(400, 'invalid_target', `request target refused: ${problem}`);
  });
}

/** The decoded path the router matched on (the target is normalized by then); no query string. */
export function routedPath(request: FastifyRequest): string {
  const raw = (request.raw.url ?? '').split('?')[0];
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
