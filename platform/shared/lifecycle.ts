/**
 * Document lifecycles and the one-live-document rule (docs/failure-handling.md), shared by the cells.
 *
 * - Status changes: pending (1) may be approved (2), rejected (3) or cancelled (9); a decided document may
 *   still be cancelled; a cancelled one is final. Setting the status a document already has is a no-op, so
 *   a repeated write-back or compensation answers 200 and changes nothing. Anything else is refused with
 *   409 and the current status: a late approval can never revive a cancelled order.
 * - One live document per business source: creating a document for a source that already has a live one
 *   (any status but cancelled) answers that document (200) instead of a second one (201). The check and
 *   the insert run in the cell's one write transaction, so two workers, a reset run or a replay from a
 *   fresh namespace all get the same document.
 */
import { STATUS } from '../../common/events';
import { HttpError } from './errors';
import type { BaseRecord, RecordStore } from './record-store';

const ALLOWED: Record<number, readonly number[]> = {
  [STATUS.pending]: [STATUS.approved, STATUS.rejected, STATUS.cancelled],
  [STATUS.approved]: [STATUS.cancelled],
  [STATUS.rejected]: [STATUS.cancelled],
  [STATUS.cancelled]: [],
};

/** Throws 409 `conflict` (with `currentStatus`) unless `from → to` is allowed. */
export function checkTransition(what: string, id: string, from: number, to: number): void {
  if (from === to || (ALLOWED[from] ?? []).includes(to)) return;
  throw new HttpError(409, 'conflict', `${what} ${id} has status ${from} and cannot become ${to}`, undefined, {
    currentStatus: from,
    requestedStatus: to,
  });
}

/**
 * The live record of a business source, or undefined. `source` maps JSON paths to values, the identifying
 * one (an id) first; a source with an empty value (a document made by hand, without a source) has no
 * live-document rule.
 */
export function liveBySource<T extends BaseRecord>(
  store: RecordStore,
  collection: string,
  tenantId: string,
  source: Record<string, string | null | undefined>,
  statusField: string,
): T | undefined {
  if (Object.values(source).some((v) => !v)) return undefined;
  // Looked up on every create: by an index on the source's first path (its id), not by a scan of the
  // tenant's documents.
  store.indexPath(Object.keys(source)[0]);
  return store
    .list<T>(collection, tenantId, source as Record<string, string>)
    .find((r) => r[statusField] !== STATUS.cancelled);
}
