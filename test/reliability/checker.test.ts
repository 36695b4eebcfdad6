/**
 * The reliability checker can fail. Known-bad outcomes (a missing order, a duplicate order, a
 * write-back into another tenant's document) must be reported as lost / duplicated / unexpected.
 */
import {
  cancelledDocuments,
  check,
  effect,
  expectedEffects,
  foundEffects,
  ownDocuments,
  type EventLike,
  type TenantSnapshot,
} from '../../bench/reliability/checker';

const T = 'tenant-x';
const contractEvent = (n: number): EventLike => ({
  eventId: `ev-${n}`,
  eventType: 'crm.contract.signed',
  tenantId: T,
  payload: {
    contractId: `ctr-${n}`,
    customerId: 'cus',
    contractNo: `HT-${n}`,
    amountCents: 10,
    currency: 'CNY',
    tenantId: T,
    opportunityId: null,
    signedAt: '2025-01-01T00:00:00Z',
  },
});

const order = (id: string, contractId: string) => ({ id, sourceContractId: contractId, orderStatus: 1 });
const contractApproval = (id: string, contractId: string) => ({
  id,
  status: 1,
  formData: { sourceCell: 'crm', sourceType: 'contract', sourceId: contractId },
});
const lakeRow = (eventId: string) => ({ eventId });

function goodSnapshot(): TenantSnapshot {
  return {
    erpOrders: [order('ord_1', 'ctr-1'), order('ord_2', 'ctr-2')],
    purchaseOrders: [],
    contracts: [],
    rfqs: [],
    approvals: [contractApproval('apv_1', 'ctr-1'), contractApproval('apv_2', 'ctr-2')],
    lake: { 'crm/contracts': [lakeRow('ev-1'), lakeRow('ev-2')] },
    deadLetters: [],
  };
}

const events = [contractEvent(1), contractEvent(2)];
const ctx = { ownDocuments: new Set<string>(), datalake: true };

describe('reliability checker', () => {
  it('a complete, exact outcome: nothing lost, duplicated or unexpected', () => {
    const r = check(expectedEffects(events, ctx), foundEffects(goodSnapshot()));
    expect(r).toMatchObject({ expected: 6, found: 6, lost: 0, duplicated: 0, unexpected: 0 });
  });

  it('a missing ERP order is reported lost = 1', () => {
    const snap = goodSnapshot();
    snap.erpOrders = [order('ord_1', 'ctr-1')];
    const r = check(expectedEffects(events, ctx), foundEffects(snap));
    expect(r.lost).toBe(1);
    expect(r.duplicated).toBe(0);
    expect(r.lostKeys).toEqual([effect.orderFromContract('ctr-2')]);
  });

  it('a duplicate ERP order is reported duplicated = 1', () => {
    const snap = goodSnapshot();
    snap.erpOrders.push(order('ord_3', 'ctr-2'));
    const r = check(expectedEffects(events, ctx), foundEffects(snap));
    expect(r.duplicated).toBe(1);
    expect(r.lost).toBe(0);
    expect(r.duplicatedKeys).toEqual([effect.orderFromContract('ctr-2')]);
  });

  it('a missing order and a duplicate one at once: lost = 1 and duplicated = 1', () => {
    const snap = goodSnapshot();
    snap.erpOrders = [order('ord_1', 'ctr-1'), order('ord_3', 'ctr-1')];
    const r = check(expectedEffects(events, ctx), foundEffects(snap));
    expect(r).toMatchObject({ lost: 1, duplicated: 1, unexpected: 0 });
  });

  it('a second live order of one contract beside a compensated one is reported duplicated = 1', () => {
    // What a retry after a terminate used to leave: the compensated order does not count, both live ones do.
    const snap = goodSnapshot();
    snap.erpOrders.push({ ...order('ord_3', 'ctr-2'), orderStatus: 9 }, order('ord_4', 'ctr-2'));
    const r = check(expectedEffects(events, ctx), foundEffects(snap));
    expect(r).toMatchObject({ lost: 0, duplicated: 1, duplicatedKeys: [effect.orderFromContract('ctr-2')] });
  });

  it('a cancelled order expects no approval; one still open for it is unexpected, a withdrawn one is fine', () => {
    const orderEvent: EventLike = {
      eventId: 'ev-o',
      eventType: 'erp.order.created',
      tenantId: T,
      payload: { orderId: 'ord_9', tenantId: T, customerId: 'c', totalAmountCents: 1, currency: 'CNY' },
    };
    const snap = goodSnapshot();
    snap.erpOrders.push({ id: 'ord_9', sourceContractId: null, orderStatus: 9 });
    snap.lake['erp/orders'] = [lakeRow('ev-o')];
    const salesApproval = (status: number) => ({
      id: 'apv_9',
      status,
      formData: { sourceCell: 'erp', sourceType: 'order', sourceId: 'ord_9' },
    });
    const withCancelled = { ...ctx, cancelledDocuments: cancelledDocuments(snap) };
    const expected = expectedEffects([...events, orderEvent], withCancelled);
    expect(expected).not.toContain(effect.approval('erp', 'order', 'ord_9'));
    snap.approvals.push(salesApproval(9));
    expect(check(expected, foundEffects(snap))).toMatchObject({ lost: 0, duplicated: 0, unexpected: 0 });
    snap.approvals[snap.approvals.length - 1] = salesApproval(1);
    expect(check(expected, foundEffects(snap))).toMatchObject({
      unexpected: 1,
      unexpectedKeys: [effect.approval('erp', 'order', 'ord_9')],
    });
  });

  it('a cancelled order (compensated) does not count as found', () => {
    const snap = goodSnapshot();
    snap.erpOrders[1] = { ...snap.erpOrders[1], orderStatus: 9 };
    expect(check(expectedEffects(events, ctx), foundEffects(snap)).lost).toBe(1);
  });

  it('an event published twice is expected once; a duplicate data-lake row counts as duplicated', () => {
    const snap = goodSnapshot();
    snap.lake['crm/contracts'].push(lakeRow('ev-1'));
    const r = check(expectedEffects([...events, events[0]], ctx), foundEffects(snap));
    expect(r).toMatchObject({ expected: 6, lost: 0, duplicated: 1 });
  });

  it("write-back: own documents expect their status; another tenant's document expects a dead letter", () => {
    const approval = (eventId: string, sourceId: string): EventLike => ({
      eventId,
      eventType: 'oa.approval.completed',
      tenantId: T,
      payload: {
        instanceId: `apv-${eventId}`,
        tenantId: T,
        status: 2,
        typeCode: 'sales_order',
        formData: { sourceCell: 'erp', sourceType: 'order', sourceId },
      },
    });
    const snap: TenantSnapshot = {
      ...goodSnapshot(),
      erpOrders: [{ id: 'ord_own', orderStatus: 2 }],
      approvals: [],
      lake: { 'oa/approvals': [lakeRow('ap-own'), lakeRow('ap-foreign')] },
      deadLetters: [{ eventId: 'ap-foreign', step: 'write-back' }],
    };
    const evs = [approval('ap-own', 'ord_own'), approval('ap-foreign', 'ord_of_someone_else')];
    const expected = expectedEffects(evs, { ownDocuments: ownDocuments(snap), datalake: true });
    expect(expected).toContain(effect.status('erp:order', 'ord_own', 2));
    expect(expected).toContain(effect.deadLetter('ap-foreign'));
    expect(check(expected, foundEffects(snap))).toMatchObject({ lost: 0, duplicated: 0, unexpected: 0 });

    // The victim tenant's view: a status written into a document nobody of its own approved is unexpected.
    const victim: TenantSnapshot = {
      ...goodSnapshot(),
      erpOrders: [{ id: 'ord_v', orderStatus: 2 }],
      approvals: [],
      lake: {},
    };
    expect(check([], foundEffects(victim))).toMatchObject({
      unexpected: 1,
      unexpectedKeys: ['status:erp:order:ord_v=2'],
    });
  });

  it('a poison event expects exactly one dead letter and nothing else', () => {
    const bad: EventLike = { ...contractEvent(9), payload: { contractId: 'x', tenantId: T } };
    expect(expectedEffects([bad], ctx)).toEqual([effect.deadLetter('ev-9')]);
    const snap = { ...goodSnapshot(), erpOrders: [], approvals: [], lake: {}, deadLetters: [] };
    expect(check(expectedEffects([bad], ctx), foundEffects(snap)).lost).toBe(1);
  });
});
