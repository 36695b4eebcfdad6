/** All activities of the worker, built from its configuration. */
import type { Client } from '@temporalio/client';
import type { Config } from '../common/config';
import { createPollerActivities } from '../starter/poll-and-start';
import { createCellActivities } from './cells';
import { createDatalakeActivities } from './datalake';
import { createDeadLetterActivities } from './dead-letters';
import { HttpClient } from './http-client';

export function createActivities(config: Config, client: Client) {
  const gateway = new HttpClient(config.gatewayUrl, config.token, config.retry.httpTimeoutMs);
  const datalake = config.datalakeUrl
    ? new HttpClient(config.datalakeUrl, config.token, config.retry.httpTimeoutMs)
    : null;
  return {
    ...createCellActivities(gateway),
    ...createDatalakeActivities(datalake),
    ...createDeadLetterActivities(gateway),
    ...createPollerActivities(config, client, gateway),
  };
}

export type Activities = ReturnType<typeof createActivities>;
