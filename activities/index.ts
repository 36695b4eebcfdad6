/**
 * The worker's activities that call the platform, built from its configuration. The poller's activity
 * (starter/poll-and-start.ts) is added beside them by the worker (worker/worker-activities.ts).
 */
import type { Client } from '@temporalio/client';
import type { Config } from '../common/config';
import type { createPollerActivities } from '../starter/poll-and-start';
import { createCellActivities } from './cells';
import { createDatalakeActivities } from './datalake';
import { createDeadLetterActivities } from './dead-letters';
import { HttpClient } from './http-client';
import { createLakeResyncActivities } from './lake-resync';
import { createRuleGuard, type RuleGuard } from './rule-guard';

export interface ActivityDeps {
  /** The gateway client. */
  gateway: HttpClient;
  /** Metrics hook: a call refused with 401 / 403, by service. */
  onAuthRejected?: (service: 'gateway' | 'datalake') => void;
  /** Which rules are paused; one is made on `client` when absent. */
  ruleGuard?: RuleGuard;
}

export function createActivities(config: Config, client: Client, deps: ActivityDeps) {
  const { gateway } = deps;
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
  };
}

/** Every activity a workflow may call: the platform's and the poller's. */
export type Activities = ReturnType<typeof createActivities> & ReturnType<typeof createPollerActivities>;
