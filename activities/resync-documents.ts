/**
 * The documents an event's run may have changed, found from its rule in the catalogue (common/catalogue): the
 * event's own document when linkages write its status, what each step makes (found by its source), and an
 * approval's write-back target; and the status changes a linkage records of them, which the resync
 * re-ingests into the lake's lifecycle tables (activities/resync-page.ts).
 */
import {
  approvalSourceKind,
  documentSpec,
  render,
  renderString,
  ruleFor,
  statusesWritten,
  writeBackKindOf,
  type Catalogue,
  type TemplateScope,
} from '../common/catalogue';
import type { BusEvent } from '../common/events';
import { isRejection } from '../common/http-errors';
import type { DocumentStatusChange } from '../common/lake';
import type { ResyncCounters } from '../common/resync';
import { statusChangeOf, type CreatedRecord, type DocumentKind } from './cells';

/** The page's document reads (activities/resync-document-reads.ts) and what they count. */
export interface DocumentReads {
  readonly counters: ResyncCounters;
  /** Documents counted as checked already (`tenant\nkind:id`). */
  readonly seenDocuments: Set<string>;
  /** One document, or none when the cell answers 404 (counted as missing). */
  get(tenantId: string, path: string): Promise<CreatedRecord[]>;
  list(tenantId: string, path: string, query: Record<string, string>): Promise<CreatedRecord[]>;
}

/** Documents of a kind, one by id or a list by query. */
export interface KindReads {
  one(kind: DocumentKind, id: string): Promise<CreatedRecord[]>;
  many(kind: DocumentKind, query: Record<string, string>): Promise<CreatedRecord[]>;
}

/**
 * The current status of the documents the event's run may have changed, as the status changes a linkage
 * records (only the statuses linkages write: the lake holds the same records whether a run or a resync wrote
 * them); null when a read was refused for good (the event's status letter stays open).
 */
export async function documentChanges(
  catalogue: Catalogue,
  e: BusEvent,
  reads: DocumentReads,
): Promise<DocumentStatusChange[] | null> {
  const tenant = e.tenantId;
  let docs: Array<[DocumentKind, CreatedRecord]>;
  try {
    docs = await documentsOfEvent(catalogue, e, {
      one: (kind, id) => reads.get(tenant, `${documentSpec(catalogue, kind).list}/${encodeURIComponent(id)}`),
      many: (kind, query) => reads.list(tenant, documentSpec(catalogue, kind).list, query),
    });
  } catch (err) {
    if (!isRejection(err)) throw err;
    reads.counters.refused++;
    return null;
  }
  const changes: DocumentStatusChange[] = [];
  for (const [kind, record] of docs) {
    const docKey = `${tenant}\n${kind}:${record.id}`;
    if (!reads.seenDocuments.has(docKey)) {
      reads.seenDocuments.add(docKey);
      reads.counters.documentsChecked++;
    }
    const change = statusChangeOf(catalogue, kind, record);
    if (statusesWritten(catalogue, kind).includes(change.status)) changes.push(change);
  }
  return changes;
}

export async function documentsOfEvent(
  catalogue: Catalogue,
  e: BusEvent,
  reads: KindReads,
): Promise<Array<[DocumentKind, CreatedRecord]>> {
  const rule = ruleFor(catalogue, e.eventType);
  if (!rule) return [];
  const scope: TemplateScope = { payload: e.payload };
  const docs: Array<[DocumentKind, CreatedRecord]> = [];
  const one = async (kind: DocumentKind, id: string | null) => {
    if (id) for (const d of await reads.one(kind, id)) docs.push([kind, d]);
  };
  const many = async (kind: DocumentKind, query: Record<string, string | null>) => {
    if (Object.values(query).some((v) => !v)) return;
    for (const d of await reads.many(kind, query as Record<string, string>)) docs.push([kind, d]);
  };
  if (rule.document && statusesWritten(catalogue, rule.document.kind).length) {
    await one(rule.document.kind, renderString(rule.document.id, scope));
  }
  for (const step of rule.steps) {
    if (approvalSourceKind(catalogue, step)) {
      // The approvals asked for the source document: withdrawn (9) when it was cancelled.
      const { sourceCell, sourceType, sourceId } = (render(step.body, scope) as { formData: Record<string, unknown> })
        .formData;
      const str = (v: unknown) => (typeof v === 'string' && v ? v : null);
      await many(step.creates, { sourceCell: str(sourceCell), sourceType: str(sourceType), sourceId: str(sourceId) });
      continue;
    }
    const query: Record<string, string | null> = {};
    for (const [field, t] of Object.entries(step.source ?? {})) query[field] = renderString(t, scope);
    if (Object.keys(query).length) await many(step.creates, query);
  }
  if (rule.writeBack) {
    const source = (k: string) => renderString({ $: `formData.${k}` }, scope);
    const [cell, type] = [source('sourceCell'), source('sourceType')];
    const kind = cell && type ? writeBackKindOf(rule, cell, type) : null;
    if (kind) await one(kind, source('sourceId'));
  }
  return docs;
}
