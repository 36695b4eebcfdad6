/**
 * A resync page's reads of the cells' documents, shared by its events (a contract is read for its signing
 * and its approval) and kept for one attempt.
 */
import { isRejection } from '../common/http-errors';
import type { ResyncCounters } from '../common/resync';
import type { CreatedRecord } from './cells';
import type { HttpClient } from './http-client';
import type { DocumentReads } from './resync-documents';

export class DocumentReader implements DocumentReads {
  /** Document reads of this page, shared by its events. */
  private readonly reads = new Map<string, Promise<CreatedRecord[]>>();
  readonly seenDocuments = new Set<string>();

  constructor(
    private readonly gateway: HttpClient,
    readonly counters: ResyncCounters,
    private readonly signal: AbortSignal,
  ) {}

  /** One document, or none when the cell answers 404 (counted as missing). */
  get(tenantId: string, path: string): Promise<CreatedRecord[]> {
    return this.cached(tenantId, path, async () => {
      try {
        return [await this.cellCall<CreatedRecord>(tenantId, path)];
      } catch (err) {
        if (!isRejection(err, 404)) throw err;
        this.counters.documentsMissing++;
        return [];
      }
    });
  }

  list(tenantId: string, path: string, query: Record<string, string>): Promise<CreatedRecord[]> {
    return this.cached(tenantId, `${path}?${new URLSearchParams(query).toString()}`, () =>
      this.gateway.listAll<CreatedRecord>({ path, query, tenantId, signal: this.signal }),
    );
  }

  private cellCall<T>(tenantId: string, path: string, query?: Record<string, string>): Promise<T> {
    return this.gateway.call<T>({ method: 'GET', path, query, tenantId, signal: this.signal });
  }

  private cached(tenantId: string, key: string, read: () => Promise<CreatedRecord[]>): Promise<CreatedRecord[]> {
    const full = `${tenantId}\n${key}`;
    let p = this.reads.get(full);
    if (!p) {
      p = read();
      // A failed read is not kept (the page's next attempt reads again); its error reaches the caller.
      p.catch(() => this.reads.delete(full));
      this.reads.set(full, p);
    }
    return p;
  }
}
