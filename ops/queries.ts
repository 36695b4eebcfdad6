/** Visibility queries over the linkage search attributes (common/search-attributes.ts). */
import { LinkageBusinessKeys, LinkageEventType, LinkageOutcome, LinkageTenant } from '../common/search-attributes';

export interface RunFilters {
  /** Event type, e.g. `crm.contract.signed`. */
  type?: string;
  tenant?: string;
  /** ISO timestamp or a duration back from now (`90s`, `30m`, `2h`, `7d`). */
  since?: string;
  /** A business key, e.g. `crm:contract:ctr_1`. */
  key?: string;
  outcome?: string;
  /** Terminated, TimedOut and Canceled runs too, not only Failed. */
  allStatuses?: boolean;
}

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `2h` → now minus two hours; an ISO date as given. Throws on anything else. */
export function parseSince(since: string, now: Date = new Date()): Date {
  const m = /^(\d+(?:\.\d+)?)([smhd])$/.exec(since.trim());
  if (m) return new Date(now.getTime() - Number(m[1]) * UNITS[m[2]]);
  const d = new Date(since);
  if (Number.isNaN(d.getTime())) throw new Error(`--since ${since}: not an ISO date nor a duration like 30m, 2h, 7d`);
  return d;
}

/** A string literal of the visibility query language; quotes are refused rather than escaped. */
export function literal(value: string): string {
  if (/["'\\]/.test(value)) throw new Error(`quotes and backslashes are not allowed in a filter: ${value}`);
  return `"${value}"`;
}

export function failedRunsQuery(f: RunFilters, now: Date = new Date()): string {
  const statuses = f.allStatuses ? ['Failed', 'Terminated', 'TimedOut', 'Canceled'] : ['Failed'];
  const clauses = [`(${statuses.map((s) => `ExecutionStatus = ${literal(s)}`).join(' OR ')})`];
  // Linkage runs only: every one carries its event id (the poller does not).
  clauses.push(`${LinkageEventType.name} IS NOT NULL`);
  if (f.type) clauses.push(`${LinkageEventType.name} = ${literal(f.type)}`);
  if (f.tenant) clauses.push(`${LinkageTenant.name} = ${literal(f.tenant)}`);
  if (f.key) clauses.push(`${LinkageBusinessKeys.name} = ${literal(f.key)}`);
  if (f.outcome) clauses.push(`${LinkageOutcome.name} = ${literal(f.outcome)}`);
  if (f.since) clauses.push(`CloseTime >= ${literal(parseSince(f.since, now).toISOString())}`);
  return clauses.join(' AND ');
}
