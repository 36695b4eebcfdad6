/** CRM cell: contracts (a signed one publishes `crm.contract.signed`) and opportunities. */
import { z } from 'zod';
import { EVENT_TYPES, PayloadSchemas } from '../../common/events';
import {
  cents,
  createCell,
  currency,
  idField,
  parse,
  stamp,
  StatusSchema,
  TENANT,
  type CellOptions,
} from '../shared/cell';
import { newId, type BaseRecord } from '../shared/record-store';

// The fields `crm.contract.signed` carries, as it checks them (narrowed where the cell is stricter).
const ContractInput = PayloadSchemas[EVENT_TYPES.contractSigned]
  .pick({ customerId: true, contractNo: true, opportunityId: true })
  .extend({
    amountCents: cents,
    currency,
    signedAt: z.union([z.string().datetime({ offset: true }), z.string().date()]).nullish(),
  });
const ContractPatch = z.object({ status: StatusSchema }).strict();
const OpportunityInput = z.object({
  customerId: idField,
  name: z.string().min(1).max(500),
  amountCents: cents.optional(),
});

interface Contract extends BaseRecord {
  customerId: string;
  contractNo: string;
  amountCents: number;
  currency: string;
  opportunityId: string | null;
  signedAt: string | null;
  status: number;
}

export function createCrm(opts: CellOptions) {
  return createCell('crm', opts, (app, ctx) => {
    app.post('/contracts', TENANT, async (req, reply) =>
      ctx.mutate(req, reply, (tenantId) => {
        const input = parse(ContractInput, req.body);
        const c: Contract = {
          ...stamp(newId('ctr'), tenantId),
          customerId: input.customerId,
          contractNo: input.contractNo,
          amountCents: input.amountCents,
          currency: input.currency,
          opportunityId: input.opportunityId ?? null,
          signedAt: input.signedAt ?? null,
          status: 1,
        };
        ctx.store.insert('contracts', c);
        const events = c.signedAt
          ? [
              {
                type: EVENT_TYPES.contractSigned,
                payload: {
                  contractId: c.id,
                  customerId: c.customerId,
                  contractNo: c.contractNo,
                  amountCents: c.amountCents,
                  currency: c.currency,
                  tenantId,
                  opportunityId: c.opportunityId,
                  signedAt: c.signedAt,
                },
                document: { collection: 'contracts', id: c.id },
              },
            ]
          : [];
        return { status: 201, body: c, events };
      }),
    );
    app.get('/contracts', TENANT, async (req) => ctx.page(req, 'contracts'));
    app.get<{ Params: { id: string } }>('/contracts/:id', TENANT, async (req) =>
      ctx.getOr404('contracts', ctx.tenantOf(req), req.params.id),
    );
    app.patch<{ Params: { id: string } }>('/contracts/:id', TENANT, async (req, reply) =>
      ctx.mutate(req, reply, (tenantId) => {
        const contract = ctx.getOr404<Contract>('contracts', tenantId, req.params.id);
        return ctx.setStatus('contracts', contract, parse(ContractPatch, req.body).status);
      }),
    );

    app.post('/opportunities', TENANT, async (req, reply) =>
      ctx.mutate(req, reply, (tenantId) => {
        const input = parse(OpportunityInput, req.body);
        const o = { ...stamp(newId('opp'), tenantId), ...input, amountCents: input.amountCents ?? null, status: 1 };
        return { status: 201, body: ctx.store.insert('opportunities', o) };
      }),
    );
    app.get('/opportunities', TENANT, async (req) => ctx.page(req, 'opportunities'));
    app.get<{ Params: { id: string } }>('/opportunities/:id', TENANT, async (req) =>
      ctx.getOr404('opportunities', ctx.tenantOf(req), req.params.id),
    );
  });
}
