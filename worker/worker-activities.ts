/** All activities of the worker: the platform's (activities/) and the poller's (starter/), on one gateway client. */
import type { Client } from '@temporalio/client';
import { createActivities, type Activities } from '../activities';
import { HttpClient } from '../activities/http-client';
import type { RuleGuard } from '../activities/rule-guard';
import type { Config } from '../common/config';
import { createPollerActivities, type PollerObserver } from '../starter/poll-and-start';

export interface WorkerActivityDeps {
  /** The gateway client; one is made from the config when absent. */
  gateway?: HttpClient;
  /** Metrics hook of the poller. */
  pollerObserver?: PollerObserver;
  /** Metrics hook: a call refused with 401 / 403, by service. */
  onAuthRejected?: (service: 'gateway' | 'datalake') => void;
  /** Which rules are paused; one is made on `client` when absent. */
  ruleGuard?: RuleGuard;
}

export function createWorkerActivities(config: Config, client: Client, deps: WorkerActivityDeps = {}): Activities {
  const gateway =
    deps.gateway ??
    new HttpClient(config.gatewayUrl, config.token, config.retry.httpTimeoutMs, () => deps.onAuthRejected?.('gateway'));
  return {
    ...createActivities(config, client, { gateway, onAuthRejected: deps.onAuthRejected, ruleGuard: deps.ruleGuard }),
    ...createPollerActivities(config, client, gateway, deps.pollerObserver),
  };
}
