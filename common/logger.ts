/**
 * Logs (pino). Two formats of the same records: JSON lines (`LOG_FORMAT=json`, the default when stdout is
 * not a terminal: files, pipes, containers, log shippers) and one readable line per record
 * (`LOG_FORMAT=pretty`, the default on a terminal): time, level, component, workflow id, message, then the
 * other fields. The bearer token and authorization headers are redacted before either format is written,
 * so no log line ever carries a secret.
 */
import pino from 'pino';
import { prettyFactory } from 'pino-pretty';
import { ConfigError } from './config';

export type Logger = pino.Logger;
export type LogFormat = 'pretty' | 'json';

/**
 * LOG_FORMAT: `pretty` or `json`; unset (or empty) = pretty when stdout is a terminal, JSON otherwise.
 * Anything else is a configuration error naming the variable.
 */
export function logFormat(
  env: NodeJS.ProcessEnv = process.env,
  stdoutIsTTY: boolean = Boolean(process.stdout.isTTY),
): LogFormat {
  const v = env.LOG_FORMAT?.trim();
  if (!v) return stdoutIsTTY ? 'pretty' : 'json';
  if (v === 'pretty' || v === 'json') return v;
  throw new ConfigError([`LOG_FORMAT=${JSON.stringify(env.LOG_FORMAT)}: must be pretty or json`]);
}

/**
 * Colours in the pretty format: on a terminal, or when a parent whose terminal gets our output asks for
 * them (FORCE_COLOR, as scripts/service-process.ts sets it); never with NO_COLOR.
 */
export function colorsWanted(env: NodeJS.ProcessEnv = process.env, stdoutIsTTY = Boolean(process.stdout.isTTY)) {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined) return !['0', 'false'].includes(env.FORCE_COLOR);
  return stdoutIsTTY;
}

export function createLogger(name: string, bindings: Record<string, unknown> = {}): Logger {
  const options: pino.LoggerOptions = {
    name,
    level: process.env.LOG_LEVEL ?? 'info',
    base: { pid: process.pid, ...bindings },
    redact: {
      paths: [
        'token',
        '*.token',
        'apiKey',
        '*.apiKey',
        '*.*.apiKey',
        'authorization',
        '*.authorization',
        'headers.authorization',
        '*.headers.authorization',
        'req.headers.authorization',
        'config.headers.Authorization',
      ],
      censor: '[redacted]',
    },
  };
  if (logFormat() === 'json') return pino(options);
  // The pretty format rewrites each (already redacted) JSON line before it reaches stdout, synchronously.
  const out = pino.destination({ dest: 1, sync: true });
  const color = colorsWanted();
  return pino(options, { write: (line: string) => out.write(prettyLine(line, color)) });
}

/**
 * The one-line handshake a parent process waits for (`PLATFORM_READY {...}`, `WORKER_READY {...}`:
 * scripts/service-process.ts's `readyLine`), printed on stdout unless stdout is a terminal: there a person
 * reads the logs, which already say the service is ready, and no parent is listening.
 */
export function announceReady(tag: string, payload: unknown): void {
  if (process.stdout.isTTY) return;
  process.stdout.write(`${tag} ${JSON.stringify(payload)}\n`);
}

/** Fields the readable line shows in its head (component, workflow id) or leaves to the JSON format. */
const HEAD = ['name', 'service', 'component', 'workflowId'];
/** The Temporal SDK's run context on a workflow's or activity's line: not needed on every readable line. */
const RUN_CONTEXT = [
  'runId',
  'workflowRunId',
  'namespace',
  'taskQueue',
  'taskToken',
  'workflowType',
  'activityId',
  'isLocal',
];

const pretty = (colorize: boolean) =>
  prettyFactory({
    colorize,
    translateTime: 'SYS:HH:MM:ss.l',
    singleLine: true,
    ignore: ['pid', 'hostname', ...HEAD, ...RUN_CONTEXT].join(','),
    messageFormat:
      '{name}{if service}/{service}{end}{if component}/{component}{end} {if workflowId}[{workflowId}] {end}{msg}',
  });
const formatters = new Map<boolean, (line: string) => string>();

/**
 * One pino JSON line as `[HH:MM:ss.mmm] LEVEL: component  [workflowId] message {other fields}` (pino-pretty,
 * local time); an error's stack is indented below. A line that is not JSON passes through as it is.
 */
export function prettyLine(line: string, color = false): string {
  let format = formatters.get(color);
  if (!format) formatters.set(color, (format = pretty(color)));
  return format(line);
}
