/**
 * The shape of the rule catalogue (docs/linkage-rules.md): one declarative record per linkage rule, from
 * which the poller, the run, compensation by source, the rule pause, the resync and the search attributes
 * are derived. Pure data: a record is recorded in a run's input, so it must survive JSON.
 */
import type { RuleName } from '../rules';

/**
 * A value of a call's body, taken from the event: a literal, `{ $: 'field' }` (a payload field, dotted for
 * nested ones, `default` when it is absent or null), `{ format: 'text {field}' }`, or `{ step, field }` (a
 * field of what an earlier step of the run made, `default` until it has).
 */
export type Template =
  | string
  | number
  | boolean
  | null
  | { $: string; default?: Template }
  | { format: string }
  | { step: string; field: string; default?: Template }
  | Template[]
  | { [key: string]: Template };

/**
 * A kind of document a rule makes or writes (`<cell>:<type>`, as in business keys): where its cell keeps it
 * and how it is undone. Approvals are withdrawn; everything else is cancelled (status 9), and the
 * approvals still open for it are withdrawn with it (the cascade).
 */
export interface DocumentSpec {
  /** The collection's path through the gateway; a record is `<list>/<id>`, a create POSTs to `<list>`. */
  list: string;
  statusField: string;
  /** Undone by withdrawing it (an OA approval) instead of cancelling it. */
  withdrawn?: boolean;
  /**
   * The activity a create of this kind calls. The built-in kinds have their own, which their histories
   * name; a kind added later uses `createDocument`.
   */
  createActivity?: 'createErpOrder' | 'createApproval' | 'createRfq' | 'createPurchaseOrder';
}

/** A document a step makes: how its body is built and how the document is found by its business source. */
export interface CreateStep {
  /** The step's name: its request ids, its line in the Web UI, its dead letters. Unique within a run. */
  name: string;
  /** What the Web UI shows for the step. */
  title: string;
  /** The rule (LINK_* toggle and pause) the step belongs to. */
  rule: RuleName;
  /** The document kind it makes (`DocumentSpec` of the catalogue). */
  creates: string;
  body: Template;
  /**
   * How a document made by this step is found by its source (the list query of its kind): a step cancelled
   * in flight may still have made it. Approvals are found by their `formData` source and `typeCode`.
   */
  source?: Record<string, Template>;
  /**
   * Approvals only: once it exists, its source document of this kind is read again and, if cancelled, the
   * approval is withdrawn (the cascade seen from the approval's side).
   */
  recheckSource?: string;
  /** Made meanwhile when this earlier step of the run is held by its paused rule (it needs none of it). */
  whileHeld?: string;
}

/** A business key of the run, from the payload: `<cell>:<type>:<id>`, each part a template. */
export interface KeySpec {
  cell: Template;
  type: Template;
  id: Template;
}

/** What an approval's decision writes back to its source document (the approval-completed rule). */
export interface WriteBackSpec {
  /** The document kinds written back to (`<sourceCell>:<sourceType>` of the approval's formData). */
  kinds: string[];
  /** The statuses written: approved / rejected. */
  statuses: number[];
}

export interface LinkageRule {
  /** The bus event type that starts the rule's run. */
  eventType: string;
  /** The workflow type of its runs (a rule without one of its own runs as `LinkageRuleWorkflow`). */
  workflow?: string;
  /** The data-lake table of the event (`<cell>/<table>`); absent: `<cell>/events`. */
  lakeTable?: string;
  /**
   * The event's own document, when linkages write its status (write-back): the resync reads it.
   */
  document?: { kind: string; id: Template };
  /** The keys the run is found by in the Web UI (LinkageBusinessKeys) from the start. */
  keys: KeySpec[];
  /** The documents the run makes, in order. */
  steps: CreateStep[];
  /**
   * Steps the rule's own workflow code makes (not ordinary creates), with their rule: the pause holds them
   * and the docs list them.
   */
  customSteps?: { name: string; title: string; rule: RuleName }[];
  writeBack?: WriteBackSpec;
  /** One line for the docs' rule table. */
  summary: string;
}

/** The rules and document kinds a worker serves. */
export interface Catalogue {
  rules: Record<string, LinkageRule>;
  documents: Record<string, DocumentSpec>;
}
