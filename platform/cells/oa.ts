/** OA cell: approval instances; completing one publishes `oa.approval.completed`. */
import { z } from 'zod';
import { EVENT_TYPES, STATUS } from '../../common/events';
import { createCell, filtersOf, parse, stamp, type CellOptions } from '../shared/cell';
import { HttpError } from '../shared/errors';
import { newId, type BaseRecord } from '../shared/record-store';

const TYPE_CODES = ['purchase', 'reimburse', 'leave', 'contract', 'sales_order', 'purchase_order'] as const;
const ApprovalInput = z.object({
  typeCode: z.enum(TYPE_CODES),
  title: z.string().max(500).optional(),
  formData: z.record(z.unknown()).default({}),
});
const CompleteInput = z.object({ approved: z.boolean() }).strict();

interface Approval extends BaseRecord {
  typeCode: string;
  title: string | null;
  formData: Record<string, unknown>;
  status: number;
  completedAt: string | null;
}

type Params = { Params: { id: string } };

/** 409 with the current status: only a pending approval can be completed or withdrawn. */
const refused = (a: Approval, what: string): HttpError =>
  new HttpError(409, 'conflict', `approval ${a.id} has status ${a.status} and cannot be ${what}`, undefined, {
    currentStatus: a.status,
  });

export function createOa(opts: CellOptions) {
  return createCell('oa', opts, (app, ctx) => {
    app.post('/approvals', async (req, reply) =>
      ctx.mutate(req, reply, (tenantId) => {
        const input = parse(ApprovalInput, req.body);
        // One live approval per (sourceCell, sourceId, sourceType, typeCode); a withdrawn one is not live.
        const fd = input.formData;
        const str = (v: unknown) => (typeof v === 'string' ? v : null);
        const live = ctx.liveBySource('approvals', tenantId, {
          'formData.sourceId': str(fd.sourceId),
          'formData.sourceCell': str(fd.sourceCell),
          'formData.sourceType': str(fd.sourceType),
          typeCode: input.typeCode,
        });
        if (live) return { status: 200, body: live };
        const approval: Approval = {
          ...stamp(newId('apv'), tenantId),
          typeCode: input.typeCode,
          title: input.title ?? null,
          formData: input.formData,
          status: STATUS.pending,
          completedAt: null,
        };
        return { status: 201, body: ctx.store.insert('approvals', approval) };
      }),
    );
    app.get('/approvals', async (req) => {
      const filters = {
        ...filtersOf(req.query, ['sourceCell', 'sourceId', 'sourceType'], 'formData.'),
        ...filtersOf(req.query, ['typeCode']),
      };
      return ctx.page(req, 'approvals', filters);
    });
    app.get<Params>('/approvals/:id', async (req) => ctx.getOr404('approvals', ctx.tenantOf(req), req.params.id));
    app.post<Params>('/approvals/:id/complete', async (req, reply) =>
      ctx.mutate(req, reply, (tenantId) => {
        const approval = ctx.getOr404<Approval>('approvals', tenantId, req.params.id);
        const { approved } = parse(CompleteInput, req.body);
        if (approval.status !== STATUS.pending) throw refused(approval, 'completed');
        const status = approved ? STATUS.approved : STATUS.rejected;
        const done = ctx.store.update('approvals', approval, { status, completedAt: new Date().toISOString() });
        const payload = {
          instanceId: done.id,
          tenantId,
          status,
          formData: done.formData,
          typeCode: done.typeCode,
          createdAt: done.createdAt,
          completedAt: done.completedAt,
        };
        return { status: 200, body: done, events: [{ type: EVENT_TYPES.approvalCompleted, payload }] };
      }),
    );
    app.post<Params>('/approvals/:id/withdraw', async (req, reply) =>
      ctx.mutate(req, reply, (tenantId) => {
        const approval = ctx.getOr404<Approval>('approvals', tenantId, req.params.id);
        // Withdrawing twice is a no-op so compensation can be retried; a decided approval cannot be undone.
        if (approval.status === STATUS.cancelled) return { status: 200, body: approval };
        if (approval.status !== STATUS.pending) throw refused(approval, 'withdrawn');
        return { status: 200, body: ctx.store.update('approvals', approval, { status: STATUS.cancelled }) };
      }),
    );
  });
}
