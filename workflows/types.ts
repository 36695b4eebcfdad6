/** Inputs, results and step states of the linkage workflows: plain data, shared with the starter. */
import type { BusEvent } from '../common/events';
import type { Toggles } from '../common/config';
import type { DocumentSpec, LinkageRule } from '../common/catalogue';

export type { Toggles };

/** Retry settings of every call a run makes (docs/failure-handling.md), recorded in the input like the toggles. */
export interface RetrySettings {
  /** How long transient failures are retried before a step fails for good. */
  windowMs: number;
  /** Cap of the exponential backoff between two attempts. */
  maxIntervalMs: number;
  /** Per-attempt timeout of one HTTP call. */
  httpTimeoutMs: number;
}

export interface LinkageInput {
  event: BusEvent;
  /** The toggles in force when the poller read the event: the history shows why a step ran or not. */
  toggles: Toggles;
  retry: RetrySettings;
  /**
   * What is wrong with the payload, checked by the starter against the event contract (empty: nothing).
   * Absent in runs started before: the workflow checks them itself.
   */
  payloadProblems?: string[];
  /** LINK_STEP_ACTIVITIES; absent in runs started before it (they replay with regular activities). */
  stepActivities?: 'local' | 'regular';
  /**
   * The event's rule from the worker's catalogue when the run started (common/catalogue), so a catalogue
   * changed later never changes a running history. Absent in runs started before: the built-in rule.
   */
  rule?: LinkageRule;
  /** The document kinds the rule makes that are not built in (a rule added to the catalogue). */
  documents?: Record<string, DocumentSpec>;
}

export type StepState =
  | 'pending'
  | 'running'
  | 'held'
  | 'completed'
  | 'skipped'
  | 'failed'
  | 'compensating'
  | 'compensated'
  | 'compensation_failed';

export interface StepStatus {
  name: string;
  title: string;
  state: StepState;
  /** Why a step was skipped, how it failed, or the id of what it created. */
  detail?: string;
}

export type Outcome =
  | 'running'
  /** Waiting at a paused rule's step (`npm run linkage -- pause`): the run goes on once the rule is resumed. */
  | 'paused'
  | 'completed'
  | 'partial'
  | 'skipped'
  | 'invalid'
  | 'failed'
  | 'compensated'
  | 'cancelled';

export interface LinkageResult {
  outcome: Outcome;
  businessKeys: string[];
  steps: StepStatus[];
}

export interface PollerInput {
  /** Last bus `seq` whose events all have a workflow (those of tenants with a lane: handed to the lane). */
  after: number;
  /** Pause after a failed read (SYNC_WORKER_POLL_INTERVAL_SEC). */
  pollIntervalMs: number;
  /** The tenants whose events an intake lane starts, or whose lane is done (absent: none). */
  lanes?: IntakeLanes;
}

/**
 * Per tenant, how the main poller treats its events. `from`: a lane starts every event of the tenant after
 * this seq; the poller skips them. `catchUpFrom`: the lane is done, having started every event up to this
 * seq; the poller starts the tenant's events after it that it skipped, then the tenant is its own again.
 */
export type IntakeLanes = Record<string, { from: number } | { catchUpFrom: number }>;

/** What the poller's activity is given besides its cursor. */
export interface IntakeState {
  lanes: IntakeLanes;
}

/** The input of a tenant's intake lane (workflows/tenant-lane.ts). */
export interface TenantLaneInput {
  tenantId: string;
  /** The lane starts the tenant's events after this seq; `from` names the lane to the poller. */
  after: number;
  from: number;
  /** The main poller's workflow id: told when the lane is done. */
  pollerWorkflowId: string;
  pollIntervalMs: number;
}

export interface LaneResult {
  nextAfter: number;
  read: number;
  started: number;
  duplicates: number;
  deadLettered?: number;
  /** The page was not full: the lane has reached the tenant's newest event. */
  caughtUp: boolean;
  /** Nothing read: the runs' queue had no room (starter/run-queue-room.ts); the lane asks again. */
  held?: boolean;
}

/** A lane done: every event of the tenant up to `upTo` has its run. */
export interface LaneDone {
  tenantId: string;
  from: number;
  upTo: number;
}

export interface PollResult {
  nextAfter: number;
  read: number;
  started: number;
  duplicates: number;
  /** Events that got a dead letter instead of a workflow (malformed, or refused by Temporal). */
  deadLettered?: number;
  /** Tenants handed to a lane of their own by this page, from the seq before their first event in it. */
  delegated?: Array<{ tenantId: string; from: number }>;
  /** Tenants whose done lane the page caught up on (their events after the lane's last are started). */
  caughtUp?: string[];
}
