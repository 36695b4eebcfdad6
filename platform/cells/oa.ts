/** OA cell: approval instances; completing one publishes `oa.approval.completed`. */
import { z } from 'zod';
import { EVENT_TYPES, PayloadSchemas, STATUS } from '../../common/events';
import { createCell, filtersOf, parse, refuseOversize, stamp, TENANT, type CellOptions } from '../shared/cell';
import { HttpError } from '../shared/errors';
import { newId, type BaseRecord } from '../shared/record-store';

const TYPE_CODES = ['purchase', 'reimburse', 'leave', 'contract', 'sales_order', 'purchase_order'] as const;
// formData as the completion event checks it, so an approval that is stored can always be completed.
const ApprovalInput = PayloadSchemas[EVENT_TYPES.approvalCompleted].pick({ formData: true }).extend({
  typeCode: z.enum(TYPE_CODES),
  title: z.string().max(500).optional(),
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

/** What `oa.approval.completed` carries: built at create (to measure it) and at completion (to publish). */
const completion = (a: Approval, status: number, completedAt: string | null) => ({
  instanceId: a.id,
  tenantId: a.tenantId,
  status,
  formData: a.formData,
  typeCode: a.typeCode,
  createdAt: a.createdAt,
  completedAt,
});

/** 409 with the current status: only a pending approval can be completed or withdrawn. */
const refused = (a: Approval, what: string): HttpError =>
  new HttpError(409, 'conflict', `approval ${a.id} has status ${a.status} and cannot be ${what}`, undefined, {
    currentStatus: a.status,
  });

export function createOa(opts: CellOptions) {
  return createCell('oa', opts, (app, ctx) => {
    app.post('/approvals', TENANT, async (req, reply) =>
      ctx.mutate(req, reply, (tenantId) => {
        const input = parse(ApprovalInput, req.body);
        // One live approval per (sourceCell, sourceId, sourceType, typeCode); a withdrawn one is not live.
        const fd = input.formData;
        const live = ctx.liveBySource('approvals', tenantId, {
          'formData.sourceId': fd.sourceId,
          'formData.sourceCell': fd.sourceCell,
          'formData.sourceType': fd.sourceType,
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
        refuseOversize(completion(approval, STATUS.rejected, approval.createdAt), 'formData');
        return { status: 201, body: ctx.store.insert('approvals', approval) };
      }),
    );
    app.get('/approvals', TENANT, async (req) => {
      const filters = {
        ...filtersOf(req.query, ['sourceCell', 'sourceId', 'sourceType'], 'formData.'),
        ...filtersOf(req.query, ['typeCode']),
      };
      return ctx.page(req, 'approvals', filters);
    });
    app.get<Params>('/approvals/:id', TENANT, async (req) =>
      ctx.getOr404('approvals', ctx.tenantOf(req), req.params.id),
    );
    app.post<Params>('/approvals/:id/complete', TENANT, async (req, reply) =>
      ctx.mutate(req, reply, (tenantId) => {
        const approval = ctx.getOr404<Approval>('approvals', tenantId, req.params.id);
        const { approved } = parse(CompleteInput, req.body);
        if (approval.status !== STATUS.pending) throw refused(approval, 'completed');
        const status = approved ? STATUS.approved : STATUS.rejected;
        const done = ctx.store.update('approvals', approval, { status, completedAt: new Date().toISOString() });
        const payload = completion(done, status, done.completedAt);
        const document = { collection: 'approvals', id: done.id };
        return { status: 200, body: done, events: [{ type: EVENT_TYPES.approvalCompleted, payload, document }] };
      }),
    );
    app.post<Params>('/approvals/:id/withdraw', TENANT, async (req, reply) =>
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
