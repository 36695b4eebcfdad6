/**
 * Activities that call the cells through the gateway proxy (`/api/v1/<cell>/<path>`). A create is one
 * HTTP call, idempotent twice over: by its X-Request-ID (workflow, run and step) and by its business
 * source, since the cells keep one live document per source (docs/failure-handling.md). Compensations are idempotent by
 * state: cancelling a cancelled document or withdrawing a withdrawn approval changes nothing.
 */
import { STATUS } from '../common/events';
import { documentSpec, hasApprovals, type Catalogue } from '../common/catalogue';
import type { DocumentStatusChange } from '../common/lake';
import type { HttpClient } from './http-client';
import type { RuleGuard, RuleGuardContext } from './rule-guard';

/** Who a call is for and its idempotency key. */
export interface CallContext extends RuleGuardContext {
  tenantId: string;
  requestId: string;
}

export interface CreatedRecord {
  id: string;
  [field: string]: unknown;
}

/** A document kind of the catalogue: `<cell>:<type>` (common/catalogue/documents.ts). */
export type DocumentKind = string;

/** What of a call context goes on the wire: the tenant and the request id. */
const callOf = ({ tenantId, requestId }: CallContext) => ({ tenantId, requestId });

/** The source an OA approval is for: one live approval per (sourceCell, sourceId, sourceType, typeCode). */
export interface ApprovalSource {
  sourceCell: string;
  sourceId: string;
  sourceType: string;
  typeCode?: string;
}

/** The status changes a call made (or found made), for the data lake's lifecycle records (common/lake.ts). */
export interface StatusChanges {
  changes: DocumentStatusChange[];
}

export interface CancelResult extends StatusChanges {
  /** Documents set to cancelled (9) now or before. */
  cancelled: string[];
  /** Open approvals of those documents withdrawn (the cascade). */
  withdrawn: string[];
}

/** A document's status as its cell answered it: `kind` is `<cell>:<type>`. */
export function statusChangeOf(catalogue: Catalogue, kind: DocumentKind, record: CreatedRecord): DocumentStatusChange {
  const [cell, type] = kind.split(':');
  const { statusField } = documentSpec(catalogue, kind);
  const typeCode = typeof record.typeCode === 'string' ? record.typeCode : undefined;
  return {
    cell,
    type,
    id: record.id,
    status: record[statusField] as number,
    changedAt: String(record.updatedAt ?? record.createdAt ?? ''),
    ...(typeCode ? { typeCode } : {}),
  };
}

/** A source document to read again once an approval for it is made: its kind and id. */
export interface SourceRef {
  kind: DocumentKind;
  id: string;
}

/**
 * An approval made, with its source's status read just after: or why the read failed. A failed read never
 * fails the create (a read's 4xx would look like the cell's definite "no" to the approval): the workflow
 * reads the source again in a step of its own.
 */
export type ApprovalWithSource = CreatedRecord & { source: { status: number } | { error: string } };

export interface ErpOrderBody {
  customerId: string;
  totalAmountCents: number;
  currency: string;
  sourceContractId: string;
}
export interface ApprovalBody {
  typeCode: string;
  title?: string;
  formData: { sourceCell: string; sourceId: string; sourceType: string; [k: string]: unknown };
}
export interface RfqBody {
  requisitionId: string;
  demandDesc: string;
  totalAmountCents: number;
}
export interface PurchaseOrderBody {
  supplierId: string;
  totalAmountCents: number;
  currency: string;
  rfqId: string;
  quoteId: string;
}

export function createCellActivities(gateway: HttpClient, guard: RuleGuard, catalogue: Catalogue) {
  const spec = (kind: DocumentKind) => documentSpec(catalogue, kind);
  const documentPath = (kind: DocumentKind, id: string) => `${spec(kind).list}/${encodeURIComponent(id)}`;
  const changeOf = (kind: DocumentKind, record: CreatedRecord) => statusChangeOf(catalogue, kind, record);
  // Every call of a step checks its rule first (a paused rule holds the run); compensations name no rule.
  const post = (ctx: CallContext, path: string, body: unknown) =>
    guard.run(ctx, () => gateway.call<CreatedRecord>({ method: 'POST', path, body, ...callOf(ctx) }));
  // A cascade must see every approval of its source: all pages.
  const list = (ctx: CallContext, path: string, query: Record<string, string>) =>
    gateway.listAll<CreatedRecord>({ path, query, tenantId: ctx.tenantId });
  const setStatus = (ctx: CallContext, kind: DocumentKind, id: string, status: number) =>
    guard.run(ctx, () =>
      gateway.call<CreatedRecord>({
        method: 'PATCH',
        path: documentPath(kind, id),
        body: { [spec(kind).statusField]: status },
        ...callOf(ctx),
      }),
    );

  const readStatus = async (ctx: CallContext, kind: DocumentKind, id: string): Promise<number> => {
    const doc = await gateway.call<CreatedRecord>({
      method: 'GET',
      path: documentPath(kind, id),
      tenantId: ctx.tenantId,
    });
    return doc[spec(kind).statusField] as number;
  };

  /** Withdraws every pending approval of a source; decided ones stand (they are not open). */
  async function withdrawApprovalsOf(ctx: CallContext, source: ApprovalSource): Promise<CancelResult> {
    const query: Record<string, string> = { ...source };
    const open = (await list(ctx, spec('oa:approval').list, query)).filter((a) => a.status === STATUS.pending);
    const changes: DocumentStatusChange[] = [];
    for (const a of open) {
      const withdrawn = await post(
        { ...ctx, requestId: `${ctx.requestId}:${a.id}` },
        `${documentPath('oa:approval', a.id)}/withdraw`,
        {},
      );
      changes.push(changeOf('oa:approval', withdrawn));
    }
    return { cancelled: [], withdrawn: open.map((a) => a.id), changes };
  }

  /** Cancels a document (9) and withdraws the approvals still open for it: nothing stays pending on it. */
  async function cancel(ctx: CallContext, kind: DocumentKind, id: string): Promise<CancelResult> {
    const cancelled = await setStatus(ctx, kind, id, STATUS.cancelled);
    const [sourceCell, sourceType] = kind.split(':');
    const cascade = hasApprovals(catalogue, kind)
      ? await withdrawApprovalsOf(
          { ...ctx, requestId: `${ctx.requestId}:cascade` },
          { sourceCell, sourceType, sourceId: id },
        )
      : { withdrawn: [], changes: [] };
    return {
      cancelled: [id],
      withdrawn: cascade.withdrawn,
      changes: [changeOf(kind, cancelled), ...cascade.changes],
    };
  }

  return {
    async createErpOrder(ctx: CallContext, body: ErpOrderBody): Promise<CreatedRecord> {
      return post(ctx, spec('erp:order').list, body);
    },
    async createApproval(ctx: CallContext, body: ApprovalBody): Promise<CreatedRecord> {
      return post(ctx, spec('oa:approval').list, body);
    },
    /** The approval and, in the same call, its source's status (the cascade check of the approval). */
    async createApprovalAndCheckSource(
      ctx: CallContext,
      body: ApprovalBody,
      source: SourceRef,
    ): Promise<ApprovalWithSource> {
      const approval = await post(ctx, spec('oa:approval').list, body);
      try {
        return { ...approval, source: { status: await readStatus(ctx, source.kind, source.id) } };
      } catch (err) {
        return { ...approval, source: { error: err instanceof Error ? err.message : String(err) } };
      }
    },
    async withdrawApproval(ctx: CallContext, approvalId: string): Promise<CreatedRecord & StatusChanges> {
      const approval = await post(ctx, `${documentPath('oa:approval', approvalId)}/withdraw`, {});
      return { ...approval, changes: [changeOf('oa:approval', approval)] };
    },
    /** Compensation of a step cancelled in flight: whatever it may have made is found by its source. */
    async withdrawApprovalsBySource(ctx: CallContext, source: ApprovalSource): Promise<CancelResult> {
      return withdrawApprovalsOf(ctx, source);
    },
    async createRfq(ctx: CallContext, body: RfqBody): Promise<CreatedRecord> {
      return post(ctx, spec('srm:rfq').list, body);
    },
    async createPurchaseOrder(ctx: CallContext, body: PurchaseOrderBody): Promise<CreatedRecord> {
      return post(ctx, spec('erp:purchase_order').list, body);
    },
    /** The create of a document kind added to the catalogue (the built-in kinds have their own, above). */
    async createDocument(ctx: CallContext, kind: DocumentKind, body: unknown): Promise<CreatedRecord> {
      return post(ctx, spec(kind).list, body);
    },
    /** PATCH a document's status: approval write-back (2 / 3) or cancellation (9). */
    async setDocumentStatus(
      ctx: CallContext,
      kind: DocumentKind,
      id: string,
      status: number,
    ): Promise<CreatedRecord & StatusChanges> {
      const doc = await setStatus(ctx, kind, id, status);
      return { ...doc, changes: [changeOf(kind, doc)] };
    },
    /** Compensation of a document the run made: cancelled (9), and its open approvals withdrawn. */
    async cancelDocument(ctx: CallContext, kind: DocumentKind, id: string): Promise<CancelResult> {
      return cancel(ctx, kind, id);
    },
    /** Compensation of a create cancelled in flight: every live document of the source is cancelled. */
    async cancelBySource(ctx: CallContext, kind: DocumentKind, source: Record<string, string>): Promise<CancelResult> {
      const { statusField, list: path } = spec(kind);
      const live = (await list(ctx, path, source)).filter((d) => d[statusField] !== STATUS.cancelled);
      const result: CancelResult = { cancelled: [], withdrawn: [], changes: [] };
      for (const d of live) {
        const r = await cancel({ ...ctx, requestId: `${ctx.requestId}:${d.id}` }, kind, d.id);
        result.cancelled.push(...r.cancelled);
        result.withdrawn.push(...r.withdrawn);
        result.changes.push(...r.changes);
      }
      return result;
    },
    /** The current status of a document (the cascade check of an approval made for it). */
    async documentStatus(ctx: CallContext, kind: DocumentKind, id: string): Promise<{ id: string; status: number }> {
      return { id, status: await readStatus(ctx, kind, id) };
    },
  };
}
