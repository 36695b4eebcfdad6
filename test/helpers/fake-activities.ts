/**
 * In-memory fakes of the activities the linkage workflows call, for the fast workflow suites
 * (test/workflows): cells that keep documents by business source and status, a lake, a dead-letter queue
 * and a rule guard, all in this process. Every call is recorded. A test can make a named activity fail N
 * times with the failure types of the real HTTP client (activities/http-client.ts), block one until it is
 * released or cancelled, or pause a rule. The real activities against the real platform are covered by
 * test/linkage and test/ops.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Activities } from '../../activities';
import { BUILTIN_CATALOGUE, BUILTIN_DOCUMENTS, hasApprovals } from '../../common/catalogue';
import {
  statusChangeOf,
  type ApprovalSource,
  type CallContext,
  type CancelResult,
  type CreatedRecord,
  type DocumentKind,
} from '../../activities/cells';
import type { IngestRequest } from '../../activities/datalake';
import type { RuleGuardContext } from '../../activities/rule-guard';
import { STATUS } from '../../common/event-types';
import { HTTP_ERROR_TYPES } from '../../common/http-errors';
import { RULE_PAUSED_FAILURE, type RuleName, type RulePause, type RulePausedDetails } from '../../common/rules';

/** The activities a linkage run calls: the cells, the lake and the dead-letter queue. */
export type LinkageActivities = Pick<
  Activities,
  | 'createErpOrder'
  | 'createApproval'
  | 'createApprovalAndCheckSource'
  | 'withdrawApproval'
  | 'withdrawApprovalsBySource'
  | 'createRfq'
  | 'createPurchaseOrder'
  | 'setDocumentStatus'
  | 'cancelDocument'
  | 'cancelBySource'
  | 'documentStatus'
  | 'ingestRecords'
  | 'postDeadLetter'
>;
export type ActivityName = keyof LinkageActivities;

export type FakeKind = DocumentKind | 'oa:approval';

/** A document as its cell answers it: the create's body, its status field, and where it came from. */
export type FakeDocument = CreatedRecord & { kind: FakeKind; tenantId: string; status: number };

export interface Call {
  name: ActivityName;
  args: unknown[];
  /** The step's call context (cells) or rule context (lake), when the activity takes one. */
  ctx?: CallContext | RuleGuardContext;
}

/**
 * How a scripted failure answers: `retryable` a 503, `auth` a 401 (both retried within the window),
 * `rejected` a 422 (the cell's definite "no", never retried).
 */
export type FailureKind = 'retryable' | 'auth' | 'rejected';

export interface FailureScript {
  kind: FailureKind;
  /** How many calls fail before the activity answers again (default 1). */
  times?: number;
  /** The call reaches the cell and makes its change, then its answer is lost (a timeout after the write). */
  afterWrite?: boolean;
}

interface Gate {
  started: Promise<void>;
  markStarted: () => void;
  released: Promise<void>;
  release: () => void;
}

/** What a test holds of a blocked activity: when a call is in it, and how to let it answer. */
export interface Blocked {
  /** Resolves once a call is waiting in the activity (its change already made). */
  started: Promise<void>;
  release(): void;
}

const STATUS_FIELD: Record<FakeKind, string> = {
  'erp:order': BUILTIN_DOCUMENTS['erp:order'].statusField,
  'erp:purchase_order': BUILTIN_DOCUMENTS['erp:purchase_order'].statusField,
  'crm:contract': BUILTIN_DOCUMENTS['crm:contract'].statusField,
  'srm:rfq': BUILTIN_DOCUMENTS['srm:rfq'].statusField,
  'oa:approval': BUILTIN_DOCUMENTS['oa:approval'].statusField,
};

const PREFIX: Record<FakeKind, string> = {
  'erp:order': 'ord',
  'erp:purchase_order': 'po',
  'crm:contract': 'ctr',
  'srm:rfq': 'rfq',
  'oa:approval': 'apv',
};

function httpFailure(name: string, kind: FailureKind): ApplicationFailure {
  const what = `fake ${name}`;
  if (kind === 'rejected') {
    return ApplicationFailure.nonRetryable(`${what} answered 422: refused`, HTTP_ERROR_TYPES.rejected, {
      status: 422,
    });
  }
  const [status, type] = kind === 'auth' ? [401, HTTP_ERROR_TYPES.authRejected] : [503, HTTP_ERROR_TYPES.retryable];
  return ApplicationFailure.retryable(`${what} answered ${status}: unavailable`, type, { status });
}

const notFound = (kind: FakeKind, id: string) =>
  ApplicationFailure.nonRetryable(`fake ${kind} ${id} answered 404: not found`, HTTP_ERROR_TYPES.rejected, {
    status: 404,
  });

export class FakeCells {
  readonly documents = new Map<string, FakeDocument>();
  readonly calls: Call[] = [];
  /** Lake records by `<cell>/<table>`, one per eventId. */
  readonly lake = new Map<string, Map<string, Record<string, unknown>>>();
  readonly deadLetters: Parameters<LinkageActivities['postDeadLetter']>[0][] = [];
  /** Calls refused by a paused rule, with the run that made them. */
  readonly held: { workflowId: string; rule: RuleName; step: string }[] = [];
  private readonly byRequestId = new Map<string, unknown>();
  private readonly failures = new Map<ActivityName, FailureScript & { left: number }>();
  private readonly gates = new Map<ActivityName, Gate>();
  private readonly paused = new Map<RuleName, RulePause & { version: number }>();
  private heldWaiters: (() => void)[] = [];
  private nextId = 1;

  /** Forgets everything: each test starts on empty cells. */
  reset(): void {
    this.documents.clear();
    this.calls.length = 0;
    this.lake.clear();
    this.deadLetters.length = 0;
    this.held.length = 0;
    this.byRequestId.clear();
    this.failures.clear();
    for (const g of this.gates.values()) g.release();
    this.gates.clear();
    this.paused.clear();
    this.nextId = 1;
  }

  /** A document that exists before the run (the source an event is about). */
  seed(kind: FakeKind, id: string, tenantId: string, fields: Record<string, unknown> = {}): FakeDocument {
    const status = (fields.status as number | undefined) ?? STATUS.pending;
    return this.put({ id, kind, tenantId, status, ...fields });
  }

  /** The next `times` calls of `name` fail as `kind`. */
  fail(name: ActivityName, script: FailureScript): void {
    this.failures.set(name, { ...script, left: script.times ?? 1 });
  }

  /** The next call of `name` makes its change, then waits until released or cancelled. */
  block(name: ActivityName): Blocked {
    let markStarted!: () => void;
    let release!: () => void;
    const started = new Promise<void>((r) => (markStarted = r));
    const released = new Promise<void>((r) => (release = r));
    this.gates.set(name, { started, markStarted, released, release });
    return { started, release };
  }

  /** Steps of `rule` answer RulePaused (as activities/rule-guard.ts does) until `resume`. */
  pause(rule: RuleName, version: number, by = 'ops', reason = 'maintenance'): void {
    this.paused.set(rule, { by, reason, at: new Date(0).toISOString(), version });
  }

  resume(rule: RuleName): void {
    this.paused.delete(rule);
  }

  /** Resolves once `n` calls have been held by a paused rule. */
  async heldCalls(n = 1): Promise<void> {
    while (this.held.length < n) await new Promise<void>((r) => this.heldWaiters.push(r));
  }

  /** The names of the calls made, in order (`filter` keeps some). */
  callNames(filter?: (c: Call) => boolean): ActivityName[] {
    return this.calls.filter((c) => !filter || filter(c)).map((c) => c.name);
  }

  /** The documents of a kind and tenant, in the order they were made. */
  docs(kind: FakeKind, tenantId: string): FakeDocument[] {
    return [...this.documents.values()].filter((d) => d.kind === kind && d.tenantId === tenantId);
  }

  /** The activities to register on a worker. */
  activities(): LinkageActivities {
    return {
      createErpOrder: (ctx, body) => this.create('createErpOrder', ctx, 'erp:order', body),
      createApproval: (ctx, body) =>
        this.create('createApproval', ctx, 'oa:approval', { ...body, typeCode: body.typeCode }),
      // The source's read is the GET `documentStatus` makes: a failure scripted for that fails this read
      // too, answered as `{ error }` with the approval made (activities/cells.ts).
      createApprovalAndCheckSource: async (ctx, body, source) => {
        const approval = await this.create('createApprovalAndCheckSource', ctx, 'oa:approval', { ...body });
        try {
          this.failIfScripted('documentStatus');
          return { ...approval, source: { status: this.readStatus(ctx, source.kind, source.id) } };
        } catch (err) {
          return { ...approval, source: { error: (err as Error).message } };
        }
      },
      createRfq: (ctx, body) => this.create('createRfq', ctx, 'srm:rfq', body),
      createPurchaseOrder: (ctx, body) => this.create('createPurchaseOrder', ctx, 'erp:purchase_order', body),
      withdrawApproval: (ctx, approvalId) =>
        this.call('withdrawApproval', ctx, [approvalId], () => {
          const approval = this.setStatus('oa:approval', approvalId, STATUS.cancelled);
          return { ...approval, changes: [statusChangeOf(BUILTIN_CATALOGUE, 'oa:approval', approval)] };
        }),
      withdrawApprovalsBySource: (ctx, source) =>
        this.call('withdrawApprovalsBySource', ctx, [source], () => this.withdrawOpen(ctx.tenantId, source)),
      setDocumentStatus: (ctx, kind, id, status) =>
        this.call('setDocumentStatus', ctx, [kind, id, status], () => {
          const doc = this.setStatus(kind, id, status);
          return { ...doc, changes: [statusChangeOf(BUILTIN_CATALOGUE, kind, doc)] };
        }),
      cancelDocument: (ctx, kind, id) =>
        this.call('cancelDocument', ctx, [kind, id], () => this.cancel(ctx.tenantId, kind, id)),
      cancelBySource: (ctx, kind, source) =>
        this.call('cancelBySource', ctx, [kind, source], () => {
          const result: CancelResult = { cancelled: [], withdrawn: [], changes: [] };
          const live = this.docs(kind, ctx.tenantId).filter(
            (d) => d.status !== STATUS.cancelled && Object.entries(source).every(([k, v]) => d[k] === v),
          );
          for (const d of live) {
            const r = this.cancel(ctx.tenantId, kind, d.id);
            result.cancelled.push(...r.cancelled);
            result.withdrawn.push(...r.withdrawn);
            result.changes.push(...r.changes);
          }
          return result;
        }),
      documentStatus: (ctx, kind, id) =>
        this.call('documentStatus', ctx, [kind, id], () => ({ id, status: this.readStatus(ctx, kind, id) })),
      ingestRecords: (req, rule = {}) => this.call('ingestRecords', rule, [req], () => this.ingest(req)),
      postDeadLetter: (dl) =>
        this.call('postDeadLetter', undefined, [dl], () => {
          this.deadLetters.push(dl);
          return { id: `dlq_${this.deadLetters.length}` };
        }),
    };
  }

  /** One activity call: recorded, checked against its rule, then failed, blocked or answered as scripted. */
  private async call<T>(
    name: ActivityName,
    ctx: CallContext | RuleGuardContext | undefined,
    args: unknown[],
    answer: () => T,
  ): Promise<T> {
    this.calls.push({ name, args, ...(ctx ? { ctx } : {}) });
    this.checkRule(ctx);
    this.failIfScripted(name, answer);
    const result = answer();
    const gate = this.gates.get(name);
    if (gate) {
      this.gates.delete(name);
      gate.markStarted();
      // A cancel reaches the activity as a rejected `cancelled`: the change stays made.
      await Promise.race([gate.released, Context.current().cancelled]);
    }
    return result;
  }

  /** Throws the next scripted failure of `name`, if one is left (after making the change, for `afterWrite`). */
  private failIfScripted(name: ActivityName, answer?: () => unknown): void {
    const failure = this.failures.get(name);
    if (!failure || failure.left <= 0) return;
    failure.left -= 1;
    if (failure.afterWrite) answer?.();
    throw httpFailure(name, failure.kind);
  }

  /** A document's status as its GET answers it. */
  private readStatus(ctx: CallContext, kind: DocumentKind, id: string): number {
    const doc = this.documents.get(id);
    if (!doc || doc.kind !== kind || doc.tenantId !== ctx.tenantId) throw notFound(kind, id);
    return doc.status;
  }

  /** A create, idempotent by X-Request-ID like the cells: a repeat answers the first document. */
  private create(name: ActivityName, ctx: CallContext, kind: FakeKind, body: object): Promise<CreatedRecord> {
    return this.call(name, ctx, [body], () => {
      const known = this.byRequestId.get(ctx.requestId) as CreatedRecord | undefined;
      if (known) return known;
      const id = `${PREFIX[kind]}_${this.nextId++}`;
      const doc = this.put({ ...body, id, kind, tenantId: ctx.tenantId, status: STATUS.pending });
      this.byRequestId.set(ctx.requestId, doc);
      return doc;
    });
  }

  private checkRule(ctx: RuleGuardContext | undefined): void {
    const pause = ctx?.rule && this.paused.get(ctx.rule);
    if (!ctx?.rule || !pause) return;
    const { version, ...by } = pause;
    this.held.push({
      workflowId: Context.current().info.workflowExecution?.workflowId ?? '',
      rule: ctx.rule,
      step: ctx.step ?? '',
    });
    for (const w of this.heldWaiters.splice(0)) w();
    const details: RulePausedDetails = { rule: ctx.rule, version, ...by };
    throw ApplicationFailure.create({
      type: RULE_PAUSED_FAILURE,
      message: `rule ${ctx.rule} is paused by ${by.by}`,
      nonRetryable: true,
      details: [details],
    });
  }

  /** Stores a document under its status field as well, as the cell answers it. */
  private put(doc: FakeDocument): FakeDocument {
    const now = new Date().toISOString();
    const stored: FakeDocument = { createdAt: now, ...doc, updatedAt: now, [STATUS_FIELD[doc.kind]]: doc.status };
    this.documents.set(doc.id, stored);
    return stored;
  }

  private setStatus(kind: FakeKind, id: string, status: number): FakeDocument {
    const doc = this.documents.get(id);
    if (!doc || doc.kind !== kind) throw notFound(kind, id);
    return this.put({ ...doc, status });
  }

  /** Cancels a document (9) and withdraws its open approvals, as the cells' cascade does. */
  private cancel(tenantId: string, kind: DocumentKind, id: string): CancelResult {
    const doc = this.setStatus(kind, id, STATUS.cancelled);
    const [sourceCell, sourceType] = kind.split(':');
    const cascade = hasApprovals(BUILTIN_CATALOGUE, kind)
      ? this.withdrawOpen(tenantId, { sourceCell, sourceType, sourceId: id })
      : undefined;
    return {
      cancelled: [id],
      withdrawn: cascade?.withdrawn ?? [],
      changes: [statusChangeOf(BUILTIN_CATALOGUE, kind, doc), ...(cascade?.changes ?? [])],
    };
  }

  private withdrawOpen(tenantId: string, source: ApprovalSource): CancelResult {
    const open = this.docs('oa:approval', tenantId).filter((a) => {
      const fd = a.formData as ApprovalSource;
      return (
        a.status === STATUS.pending &&
        fd.sourceCell === source.sourceCell &&
        fd.sourceId === source.sourceId &&
        fd.sourceType === source.sourceType &&
        (!source.typeCode || a.typeCode === source.typeCode)
      );
    });
    const withdrawn = open.map((a) => this.setStatus('oa:approval', a.id, STATUS.cancelled));
    return {
      cancelled: [],
      withdrawn: withdrawn.map((a) => a.id),
      changes: withdrawn.map((a) => statusChangeOf(BUILTIN_CATALOGUE, 'oa:approval', a)),
    };
  }

  private ingest(req: IngestRequest): { inserted: number; duplicates: number } {
    const table = `${req.cellId}/${req.table}`;
    const records = this.lake.get(table) ?? new Map<string, Record<string, unknown>>();
    this.lake.set(table, records);
    let inserted = 0;
    for (const r of req.records) {
      const id = String(r.eventId);
      if (!records.has(id)) inserted += 1;
      records.set(id, r);
    }
    return { inserted, duplicates: req.records.length - inserted };
  }
}
