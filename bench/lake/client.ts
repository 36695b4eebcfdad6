/** The benchmark's HTTP calls to the lake: the project's platform client, with the bench's token. */
import type { LakeIngest } from '../../common/lake';
import { PlatformClient } from '../../scripts/lib/platform-client';
import { BENCH_TOKEN } from './lake-process';

const lake = (url: string) => new PlatformClient(url, BENCH_TOKEN);

export function ingest(lakeUrl: string, body: LakeIngest): Promise<{ inserted: number; duplicates: number }> {
  return lake(lakeUrl).ok('POST', `${lakeUrl}/api/datalake/ingest`, { body });
}

export function getJson<T>(url: string): Promise<T> {
  return lake(url).ok<T>('GET', url);
}
