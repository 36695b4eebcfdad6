/**
 * The ordinary steps of a rule, run from its catalogue record (common/catalogue): each makes one document,
 * declared before the run's first call with how it is undone by its source, keyed for the Web UI, undone
 * by id when the run compensates. An approval is withdrawn instead of cancelled, and re-checks its source
 * document when the record asks (`recheckSource`). A rule of such steps needs no workflow code of its own.
 */
import { STATUS } from '../common/event-types';
import {
  documentKey,
  render,
  type CreateStep,
  type DocumentSpec,
  type LinkageRule,
  type TemplateScope,
} from '../common/catalogue';
import type { ApprovalBody, ApprovalSource, ApprovalWithSource, CallContext, CreatedRecord } from '../activities/cells';
import type { Activities } from '../activities';
import type { LinkageRun } from './linkage-run';
import { CodeVersion } from './patches';

export interface DocumentStepsOptions {
  /**
   * Runs started before one-live-document undid this rule's documents too (the contract rule did: its order
   * by status, its approval by withdrawal); every other rule's older runs undo nothing.
   */
  undoneBeforeOneLiveDocument?: boolean;
}

/** `LINK_...=0`: why a step of a rule switched off was skipped. */
export const toggleOff = (run: LinkageRun, step: { rule: string }): string => `${run.toggleOf(step.rule)}=0`;

export async function runDocumentSteps(
  run: LinkageRun,
  rule: LinkageRule,
  opts: DocumentStepsOptions = {},
): Promise<void> {
  const made: Record<string, CreatedRecord> = {};
  const scope = (): TemplateScope => ({ payload: run.input.event.payload, steps: made });
  // Every document is declared before the first call: a cancel undoes them by source, made or not.
  for (const step of rule.steps) if (run.ruleOn(step.rule)) declare(run, step, scope());

  const done = new Set<string>();
  const runOne = async (step: CreateStep, onHold?: () => Promise<void>) => {
    done.add(step.name);
    if (!run.ruleOn(step.rule)) return run.skip(step.name, step.title, toggleOff(run, step));
    made[step.name] = await createDocument(run, step, scope, opts, onHold);
  };
  for (const step of rule.steps) {
    if (done.has(step.name)) continue;
    // The later steps that need nothing of this one go on while its paused rule holds it.
    const meanwhile = rule.steps.filter((s) => s.whileHeld === step.name);
    const onHold = meanwhile.length
      ? async () => {
          for (const s of meanwhile) if (!done.has(s.name)) await runOne(s);
        }
      : undefined;
    await runOne(step, onHold);
  }
}

/** The source an approval is found by: one live approval per (sourceCell, sourceId, sourceType, typeCode). */
function approvalSource(body: ApprovalBody): ApprovalSource {
  const { sourceCell, sourceId, sourceType } = body.formData;
  return { sourceCell, sourceId, sourceType, typeCode: body.typeCode };
}

/** Declares what the step may make and how it is undone by its source (LinkageRun.makes). */
function declare(run: LinkageRun, step: CreateStep, scope: TemplateScope): void {
  const spec = run.documentSpec(step.creates);
  if (spec.withdrawn) {
    const source = approvalSource(render(step.body, scope) as ApprovalBody);
    run.makes(step.name, step.title, (a, ctx) => a.withdrawApprovalsBySource(ctx, source));
    return;
  }
  const source = render(step.source ?? {}, scope) as Record<string, string>;
  run.makes(step.name, step.title, (a, ctx) => a.cancelBySource(ctx, step.creates, source));
}

async function createDocument(
  run: LinkageRun,
  step: CreateStep,
  scope: () => TemplateScope,
  opts: DocumentStepsOptions,
  onHold?: () => Promise<void>,
): Promise<CreatedRecord> {
  const kind = step.creates;
  const spec = run.documentSpec(kind);
  const v1 = run.since(CodeVersion.oneLiveDocument);
  const body = render(step.body, scope());
  if (spec.withdrawn) {
    // Declared again with the body as it is now (it may name a document made since).
    declare(run, step, scope());
    const approvalBody = body as ApprovalBody;
    const source = approvalSource(approvalBody);
    const recheck = v1 ? step.recheckSource : undefined;
    const checkInCreate = !!recheck && run.since(CodeVersion.sourceCheckInCreate);
    const made: CreatedRecord & Partial<Pick<ApprovalWithSource, 'source'>> = await run.step(
      step.name,
      step.title,
      (a, ctx) =>
        checkInCreate
          ? a.createApprovalAndCheckSource(ctx, approvalBody, { kind: recheck, id: source.sourceId })
          : a.createApproval(ctx, approvalBody),
      {
        key: (ap) => documentKey(kind, ap.id),
        undo: v1 || opts.undoneBeforeOneLiveDocument ? (ap, a, ctx) => a.withdrawApproval(ctx, ap.id) : undefined,
        onHold,
      },
    );
    const { source: read, ...approval } = made;
    if (recheck) await withdrawIfSourceCancelled(run, recheck, source, approval.id, read);
    return approval;
  }
  return run.step(step.name, step.title, (a, ctx) => create(a, ctx, kind, spec, body), {
    key: (doc) => documentKey(kind, doc.id),
    undo: v1
      ? (doc, a, ctx) => a.cancelDocument(ctx, kind, doc.id)
      : opts.undoneBeforeOneLiveDocument
        ? (doc, a, ctx) => a.setDocumentStatus(ctx, kind, doc.id, STATUS.cancelled)
        : undefined,
    onHold,
  });
}

/** The create call of a kind: the built-in kinds' own activity (their histories name it), else the generic one. */
function create(a: Activities, ctx: CallContext, kind: string, spec: DocumentSpec, body: unknown) {
  if (!spec.createActivity) return a.createDocument(ctx, kind, body);
  const call = a[spec.createActivity] as (ctx: CallContext, body: unknown) => Promise<CreatedRecord>;
  return call(ctx, body);
}

/**
 * The cascade, seen from the approval's side. Cancelling a document withdraws its open approvals, but an
 * approval made by this (separate) run just after that would stay open. So once it exists, the source is
 * read again: cancelled means the approval is withdrawn here. Either the cancel sees the approval or this
 * check sees the cancel, so no approval stays open for a cancelled document. The create's own call reads the
 * source just after making the approval (`read`); only when that read failed is it read in a step of its own.
 */
async function withdrawIfSourceCancelled(
  run: LinkageRun,
  kind: string,
  source: ApprovalSource,
  approvalId: string,
  read?: ApprovalWithSource['source'],
): Promise<void> {
  const { sourceId } = source;
  const title = `Check ${kind} ${sourceId} is still live`;
  const detail = (status: number) => `${kind}:${sourceId} status ${status}`;
  let status: number;
  if (read && 'status' in read) {
    // Shown as the step it was: the Web UI lists the check whichever call made it.
    status = read.status;
    run.setStep({ name: 'source-check', title, state: 'completed', detail: detail(status) });
  } else {
    ({ status } = await run.step('source-check', title, (a, ctx) => a.documentStatus(ctx, kind, sourceId), {
      detail: (d) => detail(d.status),
    }));
  }
  if (status !== STATUS.cancelled) return;
  // Only a pending approval is withdrawn: one already decided is not open.
  await run.step(
    'oa-approval-withdraw',
    `Withdraw the approval: ${kind} ${sourceId} is cancelled`,
    (a, ctx) => a.withdrawApprovalsBySource(ctx, { ...source }).then((r) => ({ id: approvalId, ...r })),
    {
      detail: (r) =>
        r.withdrawn.length ? `withdrawn ${r.withdrawn.join(', ')}` : 'none open: withdrawn already or decided',
    },
  );
}
