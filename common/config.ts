/**
 * The worker's configuration (docs/rules-and-configuration.md), read from the environment once at start and validated with zod.
 * A bad variable stops the worker with a message naming it; nothing runs on a half-valid config.
 */
import { z } from 'zod';
import { httpUrl, intIn, positiveInt, positiveNumber, tenantRates, toggle } from './env-fields';
import { loadRuleCatalogue, type RuntimeCatalogue } from './rule-extensions';

export const EnvSchema = z.object({
  LINK_CRM_TO_ERP: toggle('LINK_CRM_TO_ERP'),
  LINK_ERP_TO_SRM: toggle('LINK_ERP_TO_SRM'),
  LINK_ALL_TO_OA: toggle('LINK_ALL_TO_OA'),
  LINK_ALL_TO_DATALAKE: toggle('LINK_ALL_TO_DATALAKE'),
  GATEWAY_URL: httpUrl('GATEWAY_URL').default('http://localhost:8000'),
  DATALAKE_URL: z.union([z.literal('').transform(() => null), httpUrl('DATALAKE_URL')]).default(''),
  EVENT_BUS_TOKEN: z.string().optional(),
  GATEWAY_TOKEN: z.string().optional(),
  SYNC_WORKER_POLL_INTERVAL_SEC: positiveNumber('SYNC_WORKER_POLL_INTERVAL_SEC', '5'),
  TEMPORAL_ADDRESS: z
    .string()
    .trim()
    .default('localhost:7233')
    .refine((v) => /^[^\s:/]+:\d+$/.test(v), { message: 'TEMPORAL_ADDRESS must be host:port' }),
  TEMPORAL_NAMESPACE: z.string().trim().min(1, 'TEMPORAL_NAMESPACE must not be empty').default('default'),
  /**
   * Temporal takes almost any string, so a typo would make a worker that links on a queue of its own; what
   * cannot be meant is refused: blanks (a pasted name), Temporal's reserved `/_sys/` prefix, and names too
   * long for the poller's and rule control's workflow ids (common/workflow-ids.ts) to stay readable.
   */
  TEMPORAL_TASK_QUEUE: z
    .string()
    .trim()
    .default('paas-linkage')
    .refine((v) => v.length <= 200 && /^[^\s\p{Cc}]+$/u.test(v) && !v.startsWith('/_sys/'), {
      message: 'TEMPORAL_TASK_QUEUE must be 1 to 200 characters, without blanks, not starting with /_sys/',
    }),
  /** A production cluster: mTLS client certificate and key (PEM files), optional CA, or an API key. */
  TEMPORAL_TLS_CERT_PATH: z.string().trim().optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().trim().optional(),
  TEMPORAL_TLS_CA_PATH: z.string().trim().optional(),
  TEMPORAL_TLS_SERVER_NAME: z.string().trim().optional(),
  TEMPORAL_API_KEY: z.string().optional(),
  /** TLS to Temporal: `auto` (on when a certificate, CA or API key is set), `1`, or `0` (plaintext, e.g. a
   *  local sidecar terminates TLS; refused with a client certificate). */
  TEMPORAL_TLS: z
    .string()
    .trim()
    .default('auto')
    .refine((v) => ['auto', '0', '1'].includes(v), { message: 'TEMPORAL_TLS must be auto, 0 or 1' }),
  /** How long a transient failure is retried before the step fails for good (docs/failure-handling.md: 24 h). */
  LINK_RETRY_WINDOW_SEC: positiveNumber('LINK_RETRY_WINDOW_SEC', '86400'),
  /** Cap of the exponential backoff between two attempts. */
  LINK_RETRY_MAX_INTERVAL_SEC: positiveNumber('LINK_RETRY_MAX_INTERVAL_SEC', '300'),
  /** Per-attempt HTTP timeout. */
  LINK_HTTP_TIMEOUT_MS: positiveInt('LINK_HTTP_TIMEOUT_MS', '10000'),
  /**
   * How a run makes its cell and data-lake calls: `local` activities (one history event per call, about
   * 3x cheaper) or `regular` ones (scheduled, started and completed events each, with the input in the
   * history and every attempt dispatched by the server).
   */
  LINK_STEP_ACTIVITIES: z
    .string()
    .trim()
    .default('local')
    .refine((v) => v === 'local' || v === 'regular', { message: 'LINK_STEP_ACTIVITIES must be local or regular' })
    .transform((v) => v as 'local' | 'regular'),
  /** Bus long-poll: how long one read waits for new events, and the page size. */
  POLLER_WAIT_MS: intIn('POLLER_WAIT_MS', '10000', 0, 30_000),
  POLLER_PAGE_SIZE: intIn('POLLER_PAGE_SIZE', '200', 1, 1000),
  POLLER_START_CONCURRENCY: positiveInt('POLLER_START_CONCURRENCY', '16'),
  /** Events of one tenant in one poller page that give the tenant an intake lane of its own (0: never by share). */
  POLLER_LANE_THRESHOLD: intIn('POLLER_LANE_THRESHOLD', '50', 0, 1000),
  /** A lane reads its next page only while fewer runs than this wait for a worker (0: never waits). */
  INTAKE_LANE_MAX_BACKLOG: intIn('INTAKE_LANE_MAX_BACKLOG', '200', 0, 100_000),
  /**
   * Per-tenant caps, `tenant-a=20,tenant-b=5`: at most that many linkage starts per second for the tenant
   * (a positive number). A capped tenant always gets an intake lane, which paces its starts.
   */
  INTAKE_TENANT_RATES: tenantRates('INTAKE_TENANT_RATES'),
  /** Where the poller of a namespace with no poller run to resume starts: a seq (0 = all), or `head`. */
  POLLER_START_AFTER: z
    .string()
    .trim()
    .default('0')
    .refine((v) => v === 'head' || /^\d+$/.test(v), {
      message: 'POLLER_START_AFTER must be a bus seq (0, 1, …) or head',
    })
    .transform((v): number | 'head' => (v === 'head' ? 'head' : Number(v))),
  /** Start the singleton poller workflow from this process (a second worker may set 0: it still serves). */
  POLLER_ENABLED: toggle('POLLER_ENABLED'),
  WORKER_MAX_CONCURRENT_ACTIVITIES: positiveInt('WORKER_MAX_CONCURRENT_ACTIVITIES', '100'),
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: positiveInt('WORKER_MAX_CONCURRENT_WORKFLOW_TASKS', '40'),
  WORKER_MAX_CACHED_WORKFLOWS: positiveInt('WORKER_MAX_CACHED_WORKFLOWS', '1000'),
  /** Prometheus endpoint of the worker (0 = off). */
  METRICS_PORT: z
    .string()
    .trim()
    .default('0')
    .refine((v) => /^\d+$/.test(v) && Number(v) < 65536, { message: 'METRICS_PORT must be a port number' })
    .transform(Number),
  /** A prebuilt workflow bundle (bundleWorkflowCode's output); unset = bundle workflows/ at start. */
  WORKFLOW_BUNDLE_PATH: z.string().trim().optional(),
  /**
   * How long a worker keeps the rule-control state (which rules are paused) before reading it again: a
   * pause holds every step starting this long after it. `npm run linkage -- pause` waits as long.
   */
  RULE_STATE_MAX_AGE_MS: intIn('RULE_STATE_MAX_AGE_MS', '1000', 0, 60_000),
  /** Modules of rules added to the built-in catalogue (docs/linkage-rules.md), comma-separated. */
  LINKAGE_RULES_MODULES: z.string().trim().default(''),
  /** Base URL of the Web UI, for links printed by the demo and the operator CLI. */
  TEMPORAL_UI_URL: httpUrl('TEMPORAL_UI_URL').default('http://localhost:8233'),
});

/** The linkage toggles in force; recorded in every workflow's input. */
export interface Toggles {
  crmToErp: boolean;
  erpToSrm: boolean;
  allToOa: boolean;
  /** LINK_ALL_TO_DATALAKE=1 and DATALAKE_URL set. */
  allToDatalake: boolean;
}

export interface Config {
  toggles: Toggles;
  gatewayUrl: string;
  datalakeUrl: string | null;
  token: string;
  pollIntervalMs: number;
  temporal: {
    address: string;
    namespace: string;
    taskQueue: string;
    uiUrl: string;
    /** null = plaintext (the dev server). */
    tls: { certPath?: string; keyPath?: string; caPath?: string; serverName?: string } | null;
    apiKey: string | null;
  };
  retry: { windowMs: number; maxIntervalMs: number; httpTimeoutMs: number };
  /** LINK_STEP_ACTIVITIES: recorded in every run's input, like the toggles. */
  stepActivities: 'local' | 'regular';
  poller: {
    enabled: boolean;
    waitMs: number;
    pageSize: number;
    startConcurrency: number;
    startAfter: number | 'head';
    laneThreshold: number;
    /** INTAKE_LANE_MAX_BACKLOG: a lane's next page waits while this many runs wait for a worker. */
    laneMaxBacklog: number;
    /** INTAKE_TENANT_RATES: a capped tenant's most starts per second. */
    tenantRates: Record<string, number>;
  };
  worker: {
    maxConcurrentActivities: number;
    maxConcurrentWorkflowTasks: number;
    maxCachedWorkflows: number;
    workflowBundlePath: string | null;
  };
  metricsPort: number;
  ruleStateMaxAgeMs: number;
  /** The rule catalogue served: the built-in rules plus those of LINKAGE_RULES_MODULES. */
  rules: RuntimeCatalogue;
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const keys = Object.keys(EnvSchema.shape) as (keyof typeof EnvSchema.shape)[];
  // Empty strings mean "unset" for everything but DATALAKE_URL, whose empty value is meaningful.
  const raw: Record<string, string | undefined> = {};
  for (const k of keys) {
    const v = env[k];
    raw[k] = v === '' && k !== 'DATALAKE_URL' ? undefined : v;
  }
  const parsed = EnvSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const name = String(i.path[0]);
        const shown = name.includes('TOKEN') ? '(hidden)' : JSON.stringify(env[name]);
        return `${name}=${shown}: ${i.message}`;
      }),
    );
  }
  const e = parsed.data;
  if (Boolean(e.TEMPORAL_TLS_CERT_PATH) !== Boolean(e.TEMPORAL_TLS_KEY_PATH)) {
    throw new ConfigError(['TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH must be set together']);
  }
  if (e.TEMPORAL_TLS === '0' && (e.TEMPORAL_TLS_CERT_PATH || e.TEMPORAL_TLS_CA_PATH)) {
    throw new ConfigError(['TEMPORAL_TLS=0 cannot be used with TEMPORAL_TLS_CERT_PATH or TEMPORAL_TLS_CA_PATH']);
  }
  const tlsOn =
    e.TEMPORAL_TLS === '1' ||
    (e.TEMPORAL_TLS === 'auto' && Boolean(e.TEMPORAL_TLS_CERT_PATH || e.TEMPORAL_TLS_CA_PATH || e.TEMPORAL_API_KEY));
  return {
    toggles: {
      crmToErp: e.LINK_CRM_TO_ERP,
      erpToSrm: e.LINK_ERP_TO_SRM,
      allToOa: e.LINK_ALL_TO_OA,
      allToDatalake: e.LINK_ALL_TO_DATALAKE && e.DATALAKE_URL !== null,
    },
    gatewayUrl: e.GATEWAY_URL,
    datalakeUrl: e.DATALAKE_URL,
    token: e.GATEWAY_TOKEN || e.EVENT_BUS_TOKEN || 'smoke-test',
    pollIntervalMs: e.SYNC_WORKER_POLL_INTERVAL_SEC * 1000,
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      uiUrl: e.TEMPORAL_UI_URL,
      tls: tlsOn
        ? {
            certPath: e.TEMPORAL_TLS_CERT_PATH || undefined,
            keyPath: e.TEMPORAL_TLS_KEY_PATH || undefined,
            caPath: e.TEMPORAL_TLS_CA_PATH || undefined,
            serverName: e.TEMPORAL_TLS_SERVER_NAME || undefined,
          }
        : null,
      apiKey: e.TEMPORAL_API_KEY || null,
    },
    retry: {
      windowMs: e.LINK_RETRY_WINDOW_SEC * 1000,
      maxIntervalMs: e.LINK_RETRY_MAX_INTERVAL_SEC * 1000,
      httpTimeoutMs: e.LINK_HTTP_TIMEOUT_MS,
    },
    stepActivities: e.LINK_STEP_ACTIVITIES,
    poller: {
      enabled: e.POLLER_ENABLED,
      waitMs: e.POLLER_WAIT_MS,
      pageSize: e.POLLER_PAGE_SIZE,
      startConcurrency: e.POLLER_START_CONCURRENCY,
      laneThreshold: e.POLLER_LANE_THRESHOLD,
      laneMaxBacklog: e.INTAKE_LANE_MAX_BACKLOG,
      tenantRates: e.INTAKE_TENANT_RATES,
      startAfter: e.POLLER_START_AFTER,
    },
    worker: {
      maxConcurrentActivities: e.WORKER_MAX_CONCURRENT_ACTIVITIES,
      maxConcurrentWorkflowTasks: e.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
      maxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS,
      workflowBundlePath: e.WORKFLOW_BUNDLE_PATH || null,
    },
    metricsPort: e.METRICS_PORT,
    ruleStateMaxAgeMs: e.RULE_STATE_MAX_AGE_MS,
    rules: ruleCatalogue(e.LINKAGE_RULES_MODULES),
  };
}

function ruleCatalogue(modules: string): RuntimeCatalogue {
  try {
    return loadRuleCatalogue(
      modules
        .split(',')
        .map((m) => m.trim())
        .filter(Boolean),
    );
  } catch (err) {
    throw new ConfigError([(err as Error).message]);
  }
}
