/** ERP cell: sales orders, purchase requisitions and purchase orders (each creation publishes an event). */
import { z } from 'zod';
import { EVENT_TYPES, PayloadSchemas } from '../../common/events';
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
import { newId, type BaseRecord } from '../shared/record-store';

// Each create checks the fields its event carries as the event does (narrowed where the cell is stricter).
const OrderInput = PayloadSchemas[EVENT_TYPES.orderCreated]
  .pick({ customerId: true })
  .extend({ totalAmountCents: cents, currency, sourceContractId: idField.nullish() });
const OrderPatch = z.object({ orderStatus: StatusSchema }).strict();
const RequisitionInput = PayloadSchemas[EVENT_TYPES.requisitionCreated]
  .pick({ demandDesc: true })
  .extend({ totalAmountCents: cents });
const PurchaseOrderInput = PayloadSchemas[EVENT_TYPES.purchaseOrderCreated].pick({ supplierId: true }).extend({
  totalAmountCents: cents,
  currency,
  rfqId: idField.nullish(),
  quoteId: idField.nullish(),
});
const PurchaseOrderPatch = z.object({ status: StatusSchema }).strict();

type Params = { Params: { id: string } };

export function createErp(opts: CellOptions) {
  return createCell('erp', opts, (app, ctx) => {
    app.post('/orders', TENANT, async (req, reply) =>
      ctx.mutate(req, reply, (tenantId) => {
        const input = parse(OrderInput, req.body);
        // One live order per contract: a repeat (another run, worker or namespace) gets the same order.
        const live = ctx.liveBySource('orders', tenantId, { sourceContractId: input.sourceContractId }, 'orderStatus');
        if (live) return { status: 200, body: live };
        const order = ctx.store.insert('orders', {
          ...stamp(newId('ord'), tenantId),
          ...input,
          sourceContractId: input.sourceContractId ?? null,
          orderStatus: 1,
        });
        const payload = {
          orderId: order.id,
          tenantId,
          customerId: order.customerId,
          totalAmountCents: order.totalAmountCents,
          currency: order.currency,
        };
        return {
          status: 201,
          body: order,
          events: [{ type: EVENT_TYPES.orderCreated, payload, document: { collection: 'orders', id: order.id } }],
        };
      }),
    );
    app.get('/orders', TENANT, async (req) =>
      ctx.page(req, 'orders', filtersOf(req.query, ['sourceContractId', 'customerId'])),
    );
    app.get<Params>('/orders/:id', TENANT, async (req) => ctx.getOr404('orders', ctx.tenantOf(req), req.params.id));
    app.patch<Params>('/orders/:id', TENANT, async (req, reply) =>
      ctx.mutate(req, reply, (tenantId) => {
        const order = ctx.getOr404<BaseRecord>('orders', tenantId, req.params.id);
        return ctx.setStatus('orders', order, parse(OrderPatch, req.body).orderStatus, 'orderStatus');
      }),
    );

    app.post('/mm/purchase-requisitions', TENANT, async (req, reply) =>
      ctx.mutate(req, reply, (tenantId) => {
        const input = parse(RequisitionInput, req.body);
        const reqn = ctx.store.insert('purchase_requisitions', {
          ...stamp(newId('req'), tenantId),
          ...input,
          status: 1,
        });
        const payload = {
          requisitionId: reqn.id,
          tenantId,
          demandDesc: reqn.demandDesc,
          totalAmountCents: reqn.totalAmountCents,
        };
        return {
          status: 201,
          body: reqn,
          events: [
            {
              type: EVENT_TYPES.requisitionCreated,
              payload,
              document: { collection: 'purchase_requisitions', id: reqn.id },
            },
          ],
        };
      }),
    );
    app.get('/mm/purchase-requisitions', TENANT, async (req) => ctx.page(req, 'purchase_requisitions'));
    app.get<Params>('/mm/purchase-requisitions/:id', TENANT, async (req) =>
      ctx.getOr404('purchase_requisitions', ctx.tenantOf(req), req.params.id),
    );

    app.post('/mm/purchase-orders', TENANT, async (req, reply) =>
      ctx.mutate(req, reply, (tenantId) => {
        const input = parse(PurchaseOrderInput, req.body);
        // One live purchase order per awarded quote.
        const live = ctx.liveBySource('purchase_orders', tenantId, { quoteId: input.quoteId });
        if (live) return { status: 200, body: live };
        const documentNo = `PO-${String(ctx.store.nextNumber(tenantId, 'purchase_order')).padStart(6, '0')}`;
        const po = ctx.store.insert('purchase_orders', {
          ...stamp(newId('po'), tenantId),
          ...input,
          rfqId: input.rfqId ?? null,
          quoteId: input.quoteId ?? null,
          documentNo,
          status: 1,
        });
        const payload = {
          poId: po.id,
          tenantId,
          supplierId: po.supplierId,
          documentNo,
          totalAmountCents: po.totalAmountCents,
        };
        return {
          status: 201,
          body: po,
          events: [
            { type: EVENT_TYPES.purchaseOrderCreated, payload, document: { collection: 'purchase_orders', id: po.id } },
          ],
        };
      }),
    );
    app.get('/mm/purchase-orders', TENANT, async (req) =>
      ctx.page(req, 'purchase_orders', filtersOf(req.query, ['quoteId', 'rfqId', 'supplierId'])),
    );
    app.get<Params>('/mm/purchase-orders/:id', TENANT, async (req) =>
      ctx.getOr404('purchase_orders', ctx.tenantOf(req), req.params.id),
    );
    app.patch<Params>('/mm/purchase-orders/:id', TENANT, async (req, reply) =>
      ctx.mutate(req, reply, (tenantId) => {
        const po = ctx.getOr404<BaseRecord>('purchase_orders', tenantId, req.params.id);
        return ctx.setStatus('purchase_orders', po, parse(PurchaseOrderPatch, req.body).status);
      }),
    );
  });
}
