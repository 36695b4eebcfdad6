/**
 * `dlq`: the gateway's dead letters (`GET /api/admin/events/dlq`, newest first), and what an operator does
 * with one: `dlq resolve <id>` (who, when, note) and `dlq redrive <id>` (retry the run it belongs to, then
 * record the redrive on the letter, and resolve it when the new run did its linkage).
 */
import os from 'node:os';
import type { Rec } from '../gateway-admin';
import { inertValue } from '../inert';
import { BusEventSchema, describeIssues } from '../../common/events';
import { linkageWorkflowId } from '../../common/linkage';
import { startLinkage } from '../../starter/start-linkage';
import { uiLink, type OpsContext } from '../context';
import { closedOutcome, formatRetry, retryRun, SUCCESSFUL_OUTCOMES, type RetryResult } from './retry';

export type DlqStatus = 'open' | 'resolved' | 'all';

export interface DlqOptions {
  workflowId?: string;
  eventId?: string;
  tenant?: string;
  type?: string;
  /** Default `all` (the API's default); the CLI asks for `open` unless `--all`. */
  status?: DlqStatus;
  /** At most this many letters (newest first); default: every matching letter. */
  limit?: number;
}

/** Matching letters, newest first, following the API's cursor until `limit` or the end. */
export async function listDeadLetters(ctx: OpsContext, opts: DlqOptions = {}): Promise<Rec[]> {
  return (await listDeadLetterPage(ctx, opts)).letters;
}

/** Like listDeadLetters, and whether more letters match than `limit` allowed. */
export async function listDeadLetterPage(
  ctx: OpsContext,
  opts: DlqOptions = {},
): Promise<{ letters: Rec[]; more: boolean }> {
  const q = new URLSearchParams();
  if (opts.workflowId) q.set('workflowId', opts.workflowId);
  if (opts.eventId) q.set('eventId', opts.eventId);
  if (opts.tenant) q.set('tenantId', opts.tenant);
  if (opts.type) q.set('eventType', opts.type);
  q.set('status', opts.status ?? 'all');
  return ctx.api.deadLettersUpTo(q, opts.limit);
}

/** Who acts: `--by`, else the login name. */
export function operatorName(by?: string): string {
  if (by) return by;
  try {
    return process.env.USER || os.userInfo().username;
  } catch {
    return 'unknown';
  }
}

export interface ResolveOutcome {
  ok: boolean;
  letter?: Rec;
  /** Why not: unknown letter, already resolved (with the resolution in force), refused input. */
  error?: string;
}

export async function resolveDeadLetter(
  ctx: OpsContext,
  id: string,
  resolution: { by: string; note: string },
): Promise<ResolveOutcome> {
  const res = await ctx.api.resolveDeadLetter(id, resolution);
  if (res.status === 200) return { ok: true, letter: res.body };
  return { ok: false, error: describeRefusal(id, res.status, res.body) };
}

export interface RedriveOutcome {
  letterId: string;
  /** The letter after the redrive was recorded (and, with `wait`, resolved). */
  letter?: Rec;
  retry?: RetryResult;
  /** Set when the run was resolved as part of the redrive. */
  resolved?: boolean;
  error?: string;
}

/**
 * Retries the run of the letter's workflow (a reset of its latest run, ops/commands/retry.ts), records
 * the redrive on the letter, and with `wait` resolves the letter when the new run did its linkage.
 */
export async function redriveDeadLetter(
  ctx: OpsContext,
  id: string,
  opts: { by: string; wait?: boolean },
): Promise<RedriveOutcome> {
  const got = await ctx.api.deadLetter(id);
  if (got.status !== 200) return { letterId: id, error: describeRefusal(id, got.status, got.body) };
  const workflowId = got.body.workflowId;
  const reason = `redrive of dead letter ${id} by ${opts.by} (ops/cli.ts dlq redrive)`;
  let retry: RetryResult;
  if (typeof workflowId === 'string') retry = await retryRun(ctx, workflowId, { wait: opts.wait, reason });
  else if (got.body.step === 'start') {
    const started = await startFromLetter(ctx, got.body, opts.wait);
    if ('error' in started) return { letterId: id, letter: got.body, error: started.error };
    retry = started;
  } else return { letterId: id, letter: got.body, error: 'the letter names no workflow' };
  if (retry.error || !retry.newRunId) return { letterId: id, letter: got.body, retry, error: retry.error };
  const marked = await ctx.api.markDeadLetterRedriven(id, { by: opts.by, newRunId: retry.newRunId });
  if (marked.status !== 200) {
    return { letterId: id, retry, error: `run retried, but ${describeRefusal(id, marked.status, marked.body)}` };
  }
  const outcome: RedriveOutcome = { letterId: id, letter: marked.body, retry, resolved: false };
  if (opts.wait && retry.outcome && SUCCESSFUL_OUTCOMES.has(retry.outcome)) {
    const note = `redriven: run ${retry.newRunId} ended ${retry.outcome}`;
    const res = await ctx.api.resolveDeadLetter(id, { by: opts.by, note });
    // 409: someone resolved it meanwhile, which is fine.
    if (res.status === 200) Object.assign(outcome, { letter: res.body, resolved: true });
  }
  return outcome;
}

/**
 * A `start` letter (the event had no workflow): its linkage is started from the event the letter stores,
 * under the event's own workflow id, so a second redrive, or the poller re-reading it, is a duplicate.
 */
async function startFromLetter(ctx: OpsContext, letter: Rec, wait?: boolean): Promise<RetryResult | { error: string }> {
  if (!ctx.config)
    return { error: 'a start letter is redriven with the worker configuration (run it through the CLI)' };
  const parsed = BusEventSchema.safeParse((letter.details as Rec | undefined)?.event);
  if (!parsed.success) {
    return {
      error: `its stored event cannot be linked: ${describeIssues(parsed.error).join('; ')} (fix it at the source)`,
    };
  }
  const event = parsed.data;
  const workflowId = linkageWorkflowId(event.eventId);
  let started: boolean;
  try {
    started = await startLinkage(ctx.client, ctx.config, event);
  } catch (err) {
    return { error: `Temporal refused the start again: ${(err as Error).message}` };
  }
  if (!started) return { error: `the event already has its linkage ${workflowId} (retry that run instead)` };
  const handle = ctx.client.workflow.getHandle(workflowId);
  const { runId } = await handle.describe();
  const result: RetryResult = { workflowId, oldRunId: '-', newRunId: runId, link: uiLink(ctx, workflowId, runId) };
  if (wait) Object.assign(result, await closedOutcome(ctx, workflowId, runId));
  return result;
}

function describeRefusal(id: string, status: number, body: unknown): string {
  const err = (body as { error?: Record<string, unknown> } | null)?.error;
  if (status === 404) return `no dead letter ${id}`;
  if (status === 409 && err?.resolvedBy) {
    return `dead letter ${id} is already resolved by ${String(err.resolvedBy)} at ${String(err.resolvedAt)}: ${String(err.resolutionNote)}`;
  }
  return `the gateway answered ${status}: ${String(err?.message ?? JSON.stringify(body))}`;
}

const oneLine = (s: unknown, max: number): string => {
  const text = inertValue(String(s ?? '-').replace(/\s+/g, ' '));
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
};

/** A table, newest first: id, created, tenant, event type, step, workflow id, reason (shortened). */
export function formatDeadLetters(letters: Rec[], more = false): string {
  if (!letters.length) return 'no dead letters match';
  const withStatus = letters.some((l) => l.status === 'resolved');
  const head = ['ID', 'CREATED', ...(withStatus ? ['STATUS'] : []), 'TENANT', 'EVENT TYPE', 'STEP', 'WORKFLOW'];
  const rows = letters.map((l) => [
    inertValue(l.id),
    String(l.createdAt ?? '-').slice(0, 19),
    ...(withStatus ? [String(l.status ?? 'open')] : []),
    oneLine(l.tenantId, 24),
    oneLine(l.eventType, 34),
    oneLine(l.step, 20),
    oneLine(l.workflowId, 50),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[], reason: string) =>
    [...cells.map((c, i) => c.padEnd(widths[i])), reason].join('  ').trimEnd();
  const lines = [line(head, 'REASON'), ...rows.map((r, i) => line(r, oneLine(letters[i].reason, 80)))];
  const total = `${letters.length} dead letter(s)${more ? ' shown; more match (raise --limit)' : ''}`;
  return [...lines, total].join('\n');
}

export function formatLetter(l: Rec): string {
  const lines = [
    `${inertValue(l.id)}  ${inertValue(l.status ?? 'open')}  created ${inertValue(l.createdAt)}`,
    `  workflow    ${inertValue(l.workflowId)}  run ${inertValue(l.runId)}`,
    `  event       ${inertValue(l.eventType)} ${inertValue(l.eventId)}  tenant ${inertValue(l.tenantId)}`,
    `  step        ${inertValue(l.step)}`,
    `  reason      ${oneLine(l.reason, 200)}`,
  ];
  // A cell's publish letter (step `publish`) names the document whose event the bus refused.
  const d = (l.details ?? {}) as Rec;
  if (d.documentId)
    lines.push(`  document    ${inertValue(d.cell)} ${inertValue(d.collection)}/${inertValue(d.documentId)}`);
  if (l.redriveCount) {
    lines.push(
      `  redriven    ${String(l.redriveCount)}×, last ${String(l.redrivenAt)} by ${inertValue(l.redrivenBy)} → run ${String(l.redriveRunId ?? '-')}`,
    );
  }
  if (l.status === 'resolved') {
    lines.push(
      `  resolved    ${inertValue(l.resolvedAt)} by ${inertValue(l.resolvedBy)}: ${inertValue(l.resolutionNote)}`,
    );
  }
  return lines.join('\n');
}

export function formatRedrive(r: RedriveOutcome): string {
  const lines: string[] = [];
  if (r.retry?.newRunId) lines.push(formatRetry(r.retry));
  if (r.error) lines.push(`dead letter ${r.letterId} NOT redriven: ${r.error}`);
  if (r.letter && !r.error) lines.push(formatLetter(r.letter));
  return lines.join('\n');
}
