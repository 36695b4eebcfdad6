/**
 * The documents an event's run may have changed, found from its rule in the catalogue (common/catalogue):
 * the event's own document when linkages write its status, what each step makes (found by its source),
 * and an approval's write-back target. The resync reads them to record the statuses the linkage wrote.
 */
import {
  approvalSourceKind,
  render,
  renderString,
  ruleFor,
  statusesWritten,
  writeBackKindOf,
  type Catalogue,
  type TemplateScope,
} from '../common/catalogue';
import type { BusEvent } from '../common/events';
import type { DocumentStatusChange } from '../common/lake';
import { statusChangeOf, type CreatedRecord, type DocumentKind } from './cells';

/** How the documents are read: one by id (none when the cell answers 404), or a list by query. */
export interface DocumentReads {
  one(kind: DocumentKind, id: string): Promise<CreatedRecord[]>;
  many(kind: DocumentKind, query: Record<string, string>): Promise<CreatedRecord[]>;
}

export async function documentsOfEvent(
  catalogue: Catalogue,
  e: BusEvent,
  reads: DocumentReads,
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

/** A document's current status as a status change, when it is one linkages write (else null). */
export function linkageChange(
  catalogue: Catalogue,
  kind: DocumentKind,
  record: CreatedRecord,
): DocumentStatusChange | null {
  const change = statusChangeOf(catalogue, kind, record);
  return statusesWritten(catalogue, kind).includes(change.status) ? change : null;
}
