/** The benchmark's HTTP calls to the lake (Node's fetch keeps connections alive). */
import type { LakeIngest } from '../../common/lake';
import { BENCH_TOKEN } from './lake-process';

const headers = { authorization: `Bearer ${BENCH_TOKEN}`, 'content-type': 'application/json' };

export async function ingest(lakeUrl: string, body: LakeIngest): Promise<{ inserted: number; duplicates: number }> {
  const res = await fetch(`${lakeUrl}/api/datalake/ingest`, { method: 'POST', headers, body: JSON.stringify(body) });
  if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as { inserted: number; duplicates: number };
}

export async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { headers });
  if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}
