/** Ingest into the data lake (`POST <DATALAKE_URL>/api/datalake/ingest`), idempotent per record eventId. */
import type { HttpClient } from './http-client';

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

export function createDatalakeActivities(datalake: HttpClient | null) {
  return {
    async ingestRecords(req: IngestRequest): Promise<IngestResult> {
      if (!datalake) throw new Error('DATALAKE_URL is not set on this worker');
      return datalake.call<IngestResult>({
        method: 'POST',
        path: '/api/datalake/ingest',
        tenantId: req.tenantId,
        body: req,
      });
    },
  };
}
