/** SRM cell: RFQs and their quotes; awarding a quote publishes `srm.quote.awarded`. */
import { z } from 'zod';
import { EVENT_TYPES, PayloadSchemas, STATUS } from '../../common/events';
import {
  cents,
  createCell,
  currency,
  filtersOf,
  idField,
  parse,
  stamp,
  StatusSchema,
  type CellOptions,
  TENANT,
} from '../shared/cell';
import { conflict } from '../shared/errors';
import { newId, type BaseRecord } from '../shared/record-store';

const RfqInput = z.object({ requisitionId: idField, demandDesc: z.string().min(1).max(2000), totalAmountCents: cents });
const RfqPatch = z.object({ status: StatusSchema }).strict();
// What the award's `srm.quote.awarded` carries from the quote, checked as the event does when it is quoted.
const QuoteInput = PayloadSchemas[EVENT_TYPES.quoteAwarded]
  .pick({ supplierId: true })
  .extend({ amountCents: cents, currency });

interface Rfq extends BaseRecord {
  status: number;
  awardedQuoteId: string | null;
}
interface Quote extends BaseRecord {
  rfqId: string;
  supplierId: string;
  amountCents: number;
  currency: string;
  status: number;
}

type Params = { Params: { id: string } };

export function createSrm(opts: CellOptions) {
  return createCell('srm', opts, (app, ctx) => {
    app.post('/rfqs', TENANT, async (req, reply) =>
      ctx.mutate(req, reply, (tenantId) => {
        const input = parse(RfqInput, req.body);
        // One live RFQ per requisition.
        const live = ctx.liveBySource('rfqs', tenantId, { requisitionId: input.requisitionId });
        if (live) return { status: 200, body: live };
        const rfq = { ...stamp(newId('rfq'), tenantId), ...input, status: 1, awardedQuoteId: null };
        return { status: 201, body: ctx.store.insert('rfqs', rfq) };
      }),
    );
    app.get('/rfqs', TENANT, async (req) => ctx.page(req, 'rfqs', filtersOf(req.query, ['requisitionId'])));
    app.get<Params>('/rfqs/:id', TENANT, async (req) => ctx.getOr404('rfqs', ctx.tenantOf(req), req.params.id));
    app.patch<Params>('/rfqs/:id', TENANT, async (req, reply) =>
      ctx.mutate(req, reply, (tenantId) => {
        const rfq = ctx.getOr404<Rfq>('rfqs', tenantId, req.params.id);
        return ctx.setStatus('rfqs', rfq, parse(RfqPatch, req.body).status);
      }),
    );

    app.post<Params>('/rfqs/:id/quotes', TENANT, async (req, reply) =>
      ctx.mutate(req, reply, (tenantId) => {
        const rfq = ctx.getOr404<Rfq>('rfqs', tenantId, req.params.id);
        const input = parse(QuoteInput, req.body);
        if (rfq.status === STATUS.cancelled) throw conflict(`rfq ${rfq.id} is cancelled`);
        const quote: Quote = { ...stamp(newId('quo'), tenantId), rfqId: rfq.id, ...input, status: 1 };
        return { status: 201, body: ctx.store.insert('quotes', quote) };
      }),
    );
    app.get<Params>('/rfqs/:id/quotes', TENANT, async (req) => {
      ctx.getOr404('rfqs', ctx.tenantOf(req), req.params.id);
      return ctx.page(req, 'quotes', { rfqId: req.params.id });
    });
    app.get<Params>('/quotes/:id', TENANT, async (req) => ctx.getOr404('quotes', ctx.tenantOf(req), req.params.id));
    app.post<Params>('/quotes/:id/award', TENANT, async (req, reply) =>
      ctx.mutate(req, reply, (tenantId) => {
        const quote = ctx.getOr404<Quote>('quotes', tenantId, req.params.id);
        const rfq = ctx.getOr404<Rfq>('rfqs', tenantId, quote.rfqId);
        if (quote.status === STATUS.approved) throw conflict(`quote ${quote.id} is already awarded`);
        if (rfq.awardedQuoteId) throw conflict(`rfq ${rfq.id} already awarded quote ${rfq.awardedQuoteId}`);
        if (rfq.status === STATUS.cancelled) throw conflict(`rfq ${rfq.id} is cancelled`);
        const awarded = ctx.store.update('quotes', quote, { status: STATUS.approved });
        ctx.store.update('rfqs', rfq, { awardedQuoteId: quote.id });
        const payload = {
          quoteId: quote.id,
          tenantId,
          rfqId: quote.rfqId,
          supplierId: quote.supplierId,
          amountCents: quote.amountCents,
          currency: quote.currency,
        };
        return {
          status: 200,
          body: awarded,
          events: [{ type: EVENT_TYPES.quoteAwarded, payload, document: { collection: 'quotes', id: quote.id } }],
        };
      }),
    );
  });
}
