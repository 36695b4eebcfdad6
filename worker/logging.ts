/**
 * Routes the Temporal SDK's logs (worker, workflow and activity loggers, which carry workflowId, runId
 * and activity ids) into the project's pino logger, so every line is one JSON object.
 */
import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import type { Logger } from '../common/logger';

export class PinoTemporalLogger implements TemporalLogger {
  constructor(private readonly pino: Logger) {}

  log(level: LogLevel, message: string, meta: LogMetadata = {}): void {
    const { sdkComponent, ...rest } = meta as Record<string, unknown>;
    const fields = { ...rest, ...(sdkComponent ? { component: sdkComponent } : {}) };
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
