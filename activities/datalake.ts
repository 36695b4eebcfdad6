/** Ingest into the data lake (`POST <DATALAKE_URL>/api/datalake/ingest`), idempotent per record eventId. */
import type { HttpClient } from './http-client';
import type { RuleGuard, RuleGuardContext } from './rule-guard';

export interface IngestRequest {
  tenantId: string;
  cellId: string;
  table: string;
  records: Record<string, unknown>[];
}

export interface IngestResult {
  inserted: number;
  duplicates: number;
}

/** The one lake write: idempotent per record eventId, so a retried or repeated batch adds nothing. */
export function postIngest(datalake: HttpClient, req: IngestRequest, signal?: AbortSignal): Promise<IngestResult> {
  return datalake.call<IngestResult>({
    method: 'POST',
    path: '/api/datalake/ingest',
    tenantId: req.tenantId,
    body: req,
    ...(signal ? { signal } : {}),
  });
}

export function createDatalakeActivities(datalake: HttpClient | null, guard: RuleGuard) {
  return {
    /** `rule`: the all-to-datalake rule, named by a linkage's ingest (a resync names none: it is never held). */
    async ingestRecords(req: IngestRequest, rule: RuleGuardContext = {}): Promise<IngestResult> {
      if (!datalake) throw new Error('DATALAKE_URL is not set on this worker');
      return guard.run(rule, () => postIngest(datalake, req));
    },
  };
}
