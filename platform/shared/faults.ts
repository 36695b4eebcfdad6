/**
 * Test-only fault injection (PLATFORM_FAULTS=1): the next N requests matching a method and path prefix
 * answer an error, a custom body, a delay or never answer, before any handler or proxy runs. Disabled,
 * the admin routes do not exist (404), so production cannot be sabotaged through them.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { access, routedPath } from './access';
import { requireRole } from './auth';
import { validationError } from './errors';
import { newId } from './record-store';

const FaultSchema = z
  .object({
    method: z.string().min(1).max(10).optional(),
    path: z.string().min(1).max(1000).startsWith('/'),
    times: z.number().int().min(-1).default(1),
    status: z.number().int().min(100).max(599).optional(),
    body: z.unknown().optional(),
    delayMs: z.number().int().min(0).max(600_000).optional(),
    /** The handler runs (the change is made), then the answer is held this long: a reply lost in transit. */
    delayResponseMs: z.number().int().min(0).max(600_000).optional(),
    hang: z.boolean().optional(),
  })
  .strict();
type Fault = z.infer<typeof FaultSchema> & { id: string; hits: number };

const ADMIN_PATH = '/api/admin/faults';

export function installFaults(app: FastifyInstance): void {
  let faults: Fault[] = [];

  function take(request: FastifyRequest): Fault | undefined {
    // The path the router matched on (decoded), so a fault matches however the target was spelled.
    if (request.routeOptions.url === ADMIN_PATH) return undefined;
    const path = routedPath(request);
    const fault = faults.find(
      (f) => path.startsWith(f.path) && (!f.method || f.method.toUpperCase() === request.method),
    );
    if (!fault) return undefined;
    fault.hits++;
    if (fault.times > 0 && --fault.times === 0) faults = faults.filter((f) => f !== fault);
    return fault;
  }

  const delayedReplies = new WeakMap<FastifyRequest, number>();
  app.addHook('onSend', async (request: FastifyRequest) => {
    const ms = delayedReplies.get(request);
    if (ms) await new Promise((r) => setTimeout(r, ms));
  });

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const fault = take(request);
    if (!fault) return;
    request.log.warn({ faultId: fault.id, url: request.url }, 'injecting fault');
    if (fault.hang) {
      // Take the response away from fastify and never write it; the socket closes when the client gives up
      // (or when the server stops, which force-closes connections).
      reply.hijack();
      return;
    }
    if (fault.delayResponseMs !== undefined) {
      delayedReplies.set(request, fault.delayResponseMs);
      return;
    }
    if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault.status === undefined && fault.body === undefined) return; // delay only: proceed normally
    const status = fault.status ?? 503;
    const body = fault.body ?? { error: { code: 'injected_fault', message: `injected fault ${fault.id}` } };
    return reply.code(status).send(body);
  });

  const admin = access('admin');
  app.post(ADMIN_PATH, admin, async (request, reply) => {
    requireRole(request, 'admin');
    const parsed = FaultSchema.safeParse(request.body ?? {});
    if (!parsed.success) throw validationError(parsed.error);
    const fault: Fault = { ...parsed.data, id: newId('flt'), hits: 0 };
    if (fault.times !== 0) faults.push(fault);
    return reply.code(201).send({ id: fault.id });
  });
  app.get(ADMIN_PATH, admin, async (request) => {
    requireRole(request, 'admin');
    return { items: faults };
  });
  app.delete(ADMIN_PATH, admin, async (request) => {
    requireRole(request, 'admin');
    const cleared = faults.length;
    faults = [];
    return { cleared };
  });
}
