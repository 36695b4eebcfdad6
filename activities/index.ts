/** All activities of the worker, built from its configuration. */
import type { Client } from '@temporalio/client';
import type { Config } from '../common/config';
import { createPollerActivities, type PollerObserver } from '../starter/poll-and-start';
import { createCellActivities } from './cells';
import { createDatalakeActivities } from './datalake';
import { createDeadLetterActivities } from './dead-letters';
import { HttpClient } from './http-client';
import { createLakeResyncActivities } from './lake-resync';
import { createRuleGuard, type RuleGuard } from './rule-guard';

export interface ActivityDeps {
  /** The gateway client; one is made from the config when absent. */
  gateway?: HttpClient;
  /** Metrics hook of the poller. */
  pollerObserver?: PollerObserver;
  /** Metrics hook: a call refused with 401 / 403, by service. */
  onAuthRejected?: (service: 'gateway' | 'datalake') => void;
  /** Which rules are paused; one is made on `client` when absent. */
  ruleGuard?: RuleGuard;
}

export function createActivities(config: Config, client: Client, deps: ActivityDeps = {}) {
  const gateway =
    deps.gateway ??
    new HttpClient(config.gatewayUrl, config.token, config.retry.httpTimeoutMs, () => deps.onAuthRejected?.('gateway'));
  const datalake = config.datalakeUrl
    ? new HttpClient(config.datalakeUrl, config.token, config.retry.httpTimeoutMs, () =>
        deps.onAuthRejected?.('datalake'),
      )
    : null;
  const guard = deps.ruleGuard ?? createRuleGuard(client, config.temporal.taskQueue, config.ruleStateMaxAgeMs);
  return {
    ...createCellActivities(gateway, guard, config.rules.catalogue),
    ...createDatalakeActivities(datalake, guard),
    ...createDeadLetterActivities(gateway),
    ...createLakeResyncActivities(gateway, datalake, config.toggles.allToDatalake, guard, config.rules),
    ...createPollerActivities(config, client, gateway, deps.pollerObserver),
  };
}

export type Activities = ReturnType<typeof createActivities>;
