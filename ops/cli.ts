/**
 * The operator CLI: `npm run linkage -- <command> [options]`. Configured from the worker's environment
 * (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, GATEWAY_URL, GATEWAY_TOKEN, TEMPORAL_UI_URL). See docs/operations.md and
 * docs/operations/configuration.md.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig } from '../common/config';
import { openContext, type OpsContext } from './context';
import { inert } from './inert';
import {
  formatDeadLetters,
  formatLetter,
  formatRedrive,
  listDeadLetterPage,
  operatorName,
  redriveDeadLetter,
  resolveDeadLetter,
} from './commands/dlq';
import { exportHistory, exportHistoryToFile } from './commands/export';
import { formatFailedRuns, listFailed } from './commands/list-failed';
import {
  DEFAULT_WORKFLOWS_PATH,
  fetchHistories,
  formatReplay,
  loadHistoryFiles,
  replayHistories,
} from './commands/replay';
import {
  cancelResync,
  followResync,
  formatProgressLine,
  formatResync,
  parsePageSize,
  parsePosition,
  resumeResync,
  resyncStatus,
  ResyncUsageError,
  startResync,
  type ResyncView,
  type StartedResync,
} from './commands/resync';
import { formatRetries, retryAll, retryRun, SUCCESSFUL_OUTCOMES } from './commands/retry';
import { formatRules, listRules, pauseRule, rateOf, resumeRule, ruleNameOf, RuleUsageError } from './commands/rules';
import { formatRun, showRun } from './commands/show';
import { findStrandedRuns, formatStranded } from './commands/stranded';
import type { RunFilters } from './queries';

const USAGE = `usage: npm run linkage -- <command> [options]

  list-failed [--type <eventType>] [--tenant <t>] [--since <ISO|30m|2h|7d>] [--key <businessKey>]
              [--outcome <o>] [--all-statuses] [--include-superseded] [--limit <n>] [--json]
  show <workflowId> [--run <runId>] [--json]
  retry <workflowId>... [--wait] [--json]
  retry --all [list-failed filters] [--wait] [--json]
  export <workflowId> [--run <runId>] [--out <file.json>]
  replay <file.json|dir>... | replay --workflow <id> [--workflows <module>] [--json]
  dlq [--all] [--tenant <t>] [--type <eventType>] [--workflow <id>] [--event <id>] [--limit <n>] [--json]
              open dead letters, newest first (--all: resolved ones too; --limit default 100)
  dlq resolve <letterId> --note <text> [--by <name>] [--json]
  dlq redrive <letterId> [--wait] [--by <name>] [--json]
              retry the run the letter belongs to and record it; with --wait, resolve it once the run
              did its linkage
  resync --from <seq|ISO time> [--to <seq|ISO time>] [--tenant <t>] [--type <eventType>] [--page-size <n>]
         [--id <workflowId>] [--no-wait] [--json]
              fill the data lake's holes: re-ingest the bus range (a time: the first event the bus received
              at or after it), the documents' status changes, and resolve the lake dead letters; follows
              the resync until it ends unless --no-wait
  resync status <workflowId> [--json]
  resync cancel <workflowId> [--no-wait] [--json]
  resync resume <workflowId> [--no-wait] [--json]
              continue a cancelled or failed resync from its last cursor (a new run of the same id)
  rules [--json]
              the linkage rules (crm-to-erp, erp-to-srm, all-to-oa, all-to-datalake): paused or not, by
              whom, when and why, and the runs each one holds
  pause <rule> [--reason <text>] [--by <name>] [--json]
              hold every run at the rule's step (durably, across restarts) until it is resumed; nothing
              is skipped, and the run's other rules go on
  resume <rule> [--rate <n>/s] [--by <name>] [--json]
              release the held runs in bus order, at most n per second (default 10/s)
  stranded [--older-than-sec <n>] [--limit <n>] [--json]
              running runs of the task queue whose workflow task has waited over n s (default 120) with
              no worker taking it, as after matching.enableFairness changed on a queue with a backlog;
              exit 1 when there is one (docs/operations/tenant-fairness.md)
`;

const OPTIONS = {
  type: { type: 'string' },
  tenant: { type: 'string' },
  since: { type: 'string' },
  key: { type: 'string' },
  outcome: { type: 'string' },
  'all-statuses': { type: 'boolean' },
  'include-superseded': { type: 'boolean' },
  limit: { type: 'string' },
  json: { type: 'boolean' },
  run: { type: 'string' },
  all: { type: 'boolean' },
  wait: { type: 'boolean' },
  out: { type: 'string' },
  workflow: { type: 'string', multiple: true },
  workflows: { type: 'string' },
  event: { type: 'string' },
  note: { type: 'string' },
  by: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  'page-size': { type: 'string' },
  'pages-per-run': { type: 'string' },
  id: { type: 'string' },
  'no-wait': { type: 'boolean' },
  reason: { type: 'string' },
  rate: { type: 'string' },
  'older-than-sec': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

class UsageError extends Error {}

// Every line the CLI prints holds stored data: one way out, inert.
const out = (text: string): void => console.log(inert(text));
const err = (text: string): void => console.error(inert(text));

export async function main(argv: string[]): Promise<number> {
  const { values: v, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  const [command, ...args] = positionals;
  if (v.help || !command) {
    process.stdout.write(USAGE);
    return command || v.help ? 0 : 2;
  }
  const print = (data: unknown, text: string) => out(v.json ? JSON.stringify(data, null, 2) : text);
  const filters: RunFilters = {
    type: v.type,
    tenant: v.tenant,
    since: v.since,
    key: v.key,
    outcome: v.outcome,
    allStatuses: v['all-statuses'],
  };

  // `replay` of files needs no server.
  if (command === 'replay' && !v.workflow?.length) {
    if (!args.length) throw new UsageError('replay: give history files or directories, or --workflow <id>');
    const outcomes = await replayHistories(
      args.flatMap(loadHistoryFiles),
      v.workflows ? path.resolve(v.workflows) : DEFAULT_WORKFLOWS_PATH,
    );
    print(outcomes, formatReplay(outcomes));
    return outcomes.every((o) => o.ok) ? 0 : 1;
  }

  const ctx = await openContext();
  try {
    switch (command) {
      case 'list-failed': {
        const limit = v.limit ? Number(v.limit) : undefined;
        const runs = await listFailed(ctx, { ...filters, includeSuperseded: v['include-superseded'], limit });
        print(runs, formatFailedRuns(runs));
        return 0;
      }
      case 'show': {
        if (args.length !== 1) throw new UsageError('show: give one workflow id');
        const view = await showRun(ctx, args[0], { runId: v.run });
        print(view, formatRun(view));
        return 0;
      }
      case 'retry': {
        if (!v.all && !args.length) throw new UsageError('retry: give workflow ids, or --all with filters');
        if (v.all && args.length) throw new UsageError('retry: either workflow ids or --all, not both');
        const opts = { wait: v.wait };
        const results = v.all
          ? await retryAll(ctx, filters, opts)
          : await Promise.all(args.map((id) => retryRun(ctx, id, opts)));
        print(results, formatRetries(results));
        return results.every((r) => !r.error && (!r.outcome || SUCCESSFUL_OUTCOMES.has(r.outcome))) ? 0 : 1;
      }
      case 'export': {
        if (args.length !== 1) throw new UsageError('export: give one workflow id');
        if (v.out) err(`wrote ${await exportHistoryToFile(ctx, args[0], v.out, v.run)}`);
        else out(await exportHistory(ctx, args[0], v.run));
        return 0;
      }
      case 'replay': {
        const outcomes = await replayHistories(
          await fetchHistories(ctx, v.workflow ?? []),
          v.workflows ? path.resolve(v.workflows) : DEFAULT_WORKFLOWS_PATH,
        );
        print(outcomes, formatReplay(outcomes));
        return outcomes.every((o) => o.ok) ? 0 : 1;
      }
      case 'dlq':
        return await dlq(ctx, args, v, print);
      case 'resync':
        return await resync(ctx, args, v, print);
      case 'rules': {
        const view = await listRules(ctx, loadConfig().temporal.taskQueue);
        print(view, formatRules(view));
        return 0;
      }
      case 'pause': {
        const { taskQueue } = loadConfig().temporal;
        const rule = ruleNameOf(args[0]);
        const view = await pauseRule(
          ctx,
          rule,
          { by: operatorName(v.by), reason: v.reason ?? 'no reason given' },
          {
            taskQueue,
            settleMs: loadConfig().ruleStateMaxAgeMs,
          },
        );
        print(view, `${rule} paused: its runs hold at its step until \`resume ${rule}\`.\n${formatRules(view)}`);
        return 0;
      }
      case 'resume': {
        const rule = ruleNameOf(args[0]);
        const view = await resumeRule(
          ctx,
          rule,
          { by: operatorName(v.by), ratePerSec: rateOf(v.rate) },
          loadConfig().temporal.taskQueue,
        );
        print(view, `${rule} resumed: held runs are released in bus order.\n${formatRules(view)}`);
        return 0;
      }
      case 'stranded': {
        const { taskQueue } = loadConfig().temporal;
        const olderThanMs = Number(v['older-than-sec'] ?? 120) * 1000;
        if (!(olderThanMs >= 0)) throw new UsageError('stranded: --older-than-sec takes a number of seconds');
        const runs = await findStrandedRuns(ctx, taskQueue, {
          olderThanMs,
          limit: v.limit ? Number(v.limit) : undefined,
        });
        print(runs, formatStranded(runs, taskQueue, olderThanMs));
        return runs.length ? 1 : 0;
      }
      default:
        throw new UsageError(`unknown command ${command}`);
    }
  } finally {
    await ctx.close();
  }
}

type Values = ReturnType<
  typeof parseArgs<{ args: string[]; options: typeof OPTIONS; allowPositionals: true }>
>['values'];

/** `dlq`, `dlq resolve <id>`, `dlq redrive <id>`. */
async function dlq(
  ctx: OpsContext,
  args: string[],
  v: Values,
  print: (data: unknown, text: string) => void,
): Promise<number> {
  const [sub, ...ids] = args;
  if (sub === 'resolve' || sub === 'redrive') {
    if (ids.length !== 1) throw new UsageError(`dlq ${sub}: give one dead letter id`);
    const by = operatorName(v.by);
    if (sub === 'resolve') {
      if (!v.note) throw new UsageError('dlq resolve: say why with --note <text>');
      const r = await resolveDeadLetter(ctx, ids[0], { by, note: v.note });
      print(r, r.letter ? formatLetter(r.letter) : `dead letter ${ids[0]} NOT resolved: ${r.error}`);
      return r.ok ? 0 : 1;
    }
    const r = await redriveDeadLetter(ctx, ids[0], { by, wait: v.wait });
    print(r, formatRedrive(r));
    const outcome = r.retry?.outcome;
    return !r.error && (!outcome || SUCCESSFUL_OUTCOMES.has(outcome)) ? 0 : 1;
  }
  if (sub !== undefined) throw new UsageError(`dlq: unknown subcommand ${sub} (resolve, redrive, or none to list)`);
  const limit = v.limit === undefined ? 100 : Number(v.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError('dlq: --limit takes a positive integer');
  const { letters, more } = await listDeadLetterPage(ctx, {
    workflowId: v.workflow?.[0],
    eventId: v.event,
    tenant: v.tenant,
    type: v.type,
    status: v.all ? 'all' : 'open',
    limit,
  });
  print(letters, formatDeadLetters(letters, more));
  return 0;
}

/** `resync --from …`, `resync status|cancel|resume <workflowId>`. */
async function resync(
  ctx: OpsContext,
  args: string[],
  v: Values,
  print: (data: unknown, text: string) => void,
): Promise<number> {
  const [sub, ...ids] = args;
  const wait = !v['no-wait'];
  // While following, progress lines go to stderr with --json, so stdout stays one JSON document.
  const follow = (workflowId: string): Promise<ResyncView> =>
    followResync(ctx, workflowId, {
      onProgress: (view) => (v.json ? err : out)(formatProgressLine(view)),
    });
  const ended = (view: ResyncView, extra: Record<string, unknown> = {}, note?: string): number => {
    print({ ...extra, ...view }, formatResync(view, note));
    return view.status === 'COMPLETED' ? 0 : 1;
  };
  const started = async (s: StartedResync, verb: string): Promise<number> => {
    const note = s.attached
      ? `a resync with this id was already running: ${wait ? 'following it' : 'not started again'}`
      : undefined;
    if (!wait) {
      const view = await resyncStatus(ctx, s.workflowId);
      print({ ...s, ...view }, view ? formatResync(view, note) : `${verb} ${s.workflowId} run ${s.runId}`);
      return 0;
    }
    if (!v.json)
      out(`${s.attached ? 'following' : verb} ${s.workflowId} (run ${s.runId})${s.link ? `  ${s.link}` : ''}`);
    return ended(await follow(s.workflowId), { attached: s.attached }, note);
  };

  if (sub === 'status' || sub === 'cancel' || sub === 'resume') {
    if (ids.length !== 1) throw new UsageError(`resync ${sub}: give one workflow id`);
    const [workflowId] = ids;
    if (sub === 'status') {
      const view = await resyncStatus(ctx, workflowId);
      if (!view) throw new Error(`no resync ${workflowId}`);
      print(view, formatResync(view));
      return 0;
    }
    if (sub === 'cancel') {
      const view = await cancelResync(ctx, workflowId, { wait });
      print(view, formatResync(view, wait ? undefined : 'cancel requested: it stops after the page in flight'));
      return wait && view.status !== 'CANCELLED' ? 1 : 0;
    }
    return started(await resumeResync(ctx, loadConfig().temporal.taskQueue, workflowId), 'resumed');
  }
  if (sub !== undefined)
    throw new UsageError(`resync: unknown subcommand ${sub} (status, cancel, resume, or --from …)`);
  if (!v.from) throw new UsageError('resync: give --from <seq|ISO time>');
  const pagesPerRun = v['pages-per-run'] === undefined ? undefined : Number(v['pages-per-run']);
  if (pagesPerRun !== undefined && !(Number.isInteger(pagesPerRun) && pagesPerRun > 0)) {
    throw new UsageError('resync: --pages-per-run takes a positive integer');
  }
  const s = await startResync(ctx, loadConfig().temporal.taskQueue, {
    from: parsePosition('from', v.from)!,
    to: parsePosition('to', v.to),
    tenant: v.tenant,
    type: v.type,
    pageSize: parsePageSize(v['page-size']),
    id: v.id,
    pagesPerRun,
  });
  return started(s, 'started');
}

if (require.main === module) {
  // The replay worker's lifecycle lines are noise here; warnings and errors still show.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  main(process.argv.slice(2))
    .then((code) => process.exit(code))
    .catch((e: unknown) => {
      const usage =
        e instanceof UsageError ||
        e instanceof ResyncUsageError ||
        e instanceof RuleUsageError ||
        (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
      err(`linkage: ${e instanceof Error ? e.message : String(e)}`);
      if (usage) process.stderr.write(USAGE);
      process.exit(usage ? 2 : 1);
    });
}
