/**
 * The operator CLI: `npm run linkage -- <command> [options]`. Configured from the worker's environment
 * (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, GATEWAY_URL, GATEWAY_TOKEN, TEMPORAL_UI_URL). See docs/operations.md.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { openContext, type OpsContext } from './context';
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
import { formatRetries, retryAll, retryRun, SUCCESSFUL_OUTCOMES } from './commands/retry';
import { formatRun, showRun } from './commands/show';
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
  help: { type: 'boolean', short: 'h' },
} as const;

class UsageError extends Error {}

export async function main(argv: string[]): Promise<number> {
  const { values: v, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  const [command, ...args] = positionals;
  if (v.help || !command) {
    process.stdout.write(USAGE);
    return command || v.help ? 0 : 2;
  }
  const print = (data: unknown, text: string) => console.log(v.json ? JSON.stringify(data, null, 2) : text);
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
        if (v.out) console.error(`wrote ${await exportHistoryToFile(ctx, args[0], v.out, v.run)}`);
        else console.log(await exportHistory(ctx, args[0], v.run));
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

if (require.main === module) {
  // The replay worker's lifecycle lines are noise here; warnings and errors still show.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  main(process.argv.slice(2))
    .then((code) => process.exit(code))
    .catch((err: unknown) => {
      const usage = err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
      console.error(`linkage: ${err instanceof Error ? err.message : String(err)}`);
      if (usage) process.stderr.write(USAGE);
      process.exit(usage ? 2 : 1);
    });
}
