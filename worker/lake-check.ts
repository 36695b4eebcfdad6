/**
 * The worker's start-up check of DATALAKE_URL: one read the lake contract defines (a raw table, docs/platform.md),
 * for a tenant no one has. A server that answers it with anything but a table (the gateway's URL, a 404) is
 * not a lake: every ingest would fail, so the worker is refused at start. A lake that cannot be reached is
 * only reported, like the bus: the runs' ingests retry it.
 */
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import type { HttpClient } from '../activities/http-client';
import { causeChain } from '../common/cause-chain';
import { ConfigError } from '../common/config';

/** Names the contract allows; nothing is ever ingested under them. */
const PROBE = { path: '/api/datalake/tables/paas-linkage/startup-check', tenantId: 'paas-linkage-startup-check' };
const TableAnswer = z.object({ items: z.array(z.unknown()) });

export async function checkLakeAccess(lake: HttpClient): Promise<{ reachable: boolean; error?: string }> {
  const what = `GET ${PROBE.path}`;
  let body: unknown;
  try {
    body = await lake.call<unknown>({ method: 'GET', path: PROBE.path, query: { tenantId: PROBE.tenantId } });
  } catch (err) {
    const status = err instanceof ApplicationFailure ? (err.details?.[0] as { status?: unknown })?.status : undefined;
    const error = causeChain(err);
    if (status === 401 || status === 403) {
      throw new ConfigError([`GATEWAY_TOKEN / EVENT_BUS_TOKEN: the data lake at ${lake.baseUrl} refused it: ${error}`]);
    }
    // Any other 4xx: the server is up and does not serve the lake's read.
    if (typeof status === 'number' && status < 500 && status !== 408 && status !== 429) throw notALake(lake, error);
    return { reachable: false, error };
  }
  if (!TableAnswer.safeParse(body).success) throw notALake(lake, `${what} answered no table ({items: [...]})`);
  return { reachable: true };
}

const notALake = (lake: HttpClient, error: string) =>
  new ConfigError([
    `DATALAKE_URL=${lake.baseUrl} is not a data lake (${error}): set it to the lake's base URL, or to empty to turn the data-lake linkage off`,
  ]);
