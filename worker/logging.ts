/**
 * Routes the Temporal SDK's logs (worker, workflow and activity loggers, which carry workflowId, runId
 * and activity ids) into the project's pino logger, so every line has the project's format (JSON lines, or
 * the readable one on a terminal: common/logger.ts).
 */
import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import type { Logger } from '../common/logger';

/** webpack's closing line, e.g. `webpack 5.105.0 compiled successfully in 5123 ms`. */
const WEBPACK_REPORT = /^webpack \d+\.\d+\.\d+ compiled.*$/m;
/** Info the SDK gives that says nothing to a person running the worker: debug. */
const CHATTER = new Set(['No Nexus services registered, not polling for Nexus tasks']);

export class PinoTemporalLogger implements TemporalLogger {
  constructor(private readonly pino: Logger) {}

  log(level: LogLevel, message: string, meta: LogMetadata = {}): void {
    const { sdkComponent, ...rest } = meta as Record<string, unknown>;
    const fields = { ...rest, ...(sdkComponent ? { component: sdkComponent } : {}) };
    if (level === 'INFO') {
      // The bundler logs webpack's whole report (one line per module group) at info when the worker bundles
      // the workflows at start: debug, its closing line as the message and the report in a field.
      const webpack = WEBPACK_REPORT.exec(message);
      if (webpack) return this.pino.debug({ ...fields, report: message }, webpack[0]);
      if (CHATTER.has(message)) return this.pino.debug(fields, message);
    }
    const method = level === 'TRACE' ? 'trace' : (level.toLowerCase() as 'debug' | 'info' | 'warn' | 'error');
    this.pino[method](fields, message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

/** For bundleWorkflowCode in tests and benchmarks: webpack's chatter dropped, errors kept. */
export const errorsOnlyLogger: TemporalLogger = {
  log() {},
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error(message: string) {
    console.error(message);
  },
};

/** A Temporal logger that adds `meta` to every line (as the SDK's own component loggers do). */
export function withLogMetadata(logger: TemporalLogger, meta: LogMetadata): TemporalLogger {
  const log = (level: LogLevel, message: string, more?: LogMetadata) =>
    logger.log(level, message, { ...meta, ...more });
  return {
    log,
    trace: (message, more) => log('TRACE', message, more),
    debug: (message, more) => log('DEBUG', message, more),
    info: (message, more) => log('INFO', message, more),
    warn: (message, more) => log('WARN', message, more),
    error: (message, more) => log('ERROR', message, more),
  };
}
