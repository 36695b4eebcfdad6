/**
 * Each request's logger (`request.log`, bound to its request id), made only when the request logs. Fastify
 * makes a pino child per request; with request logging off a request rarely logs (a refusal, an error),
 * and the child's bindings and redaction cost more CPU than many a handler.
 */
import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';

type ChildLoggerFactory = NonNullable<FastifyServerOptions['childLoggerFactory']>;

const METHODS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const lazyRequestLogger: ChildLoggerFactory = (parent, bindings, opts) => {
  let child: FastifyBaseLogger | undefined;
  const real = (): FastifyBaseLogger => (child ??= parent.child(bindings, opts));
  const logger = {
    get level() {
      return child?.level ?? opts.level ?? parent.level;
    },
    set level(level: string) {
      real().level = level;
    },
    child: (b: Parameters<FastifyBaseLogger['child']>[0], o?: Parameters<FastifyBaseLogger['child']>[1]) =>
      real().child(b, o),
  } as FastifyBaseLogger;
  for (const m of METHODS) {
    (logger as unknown as Record<string, unknown>)[m] = (...args: unknown[]) =>
      (real()[m] as (...a: unknown[]) => void)(...args);
  }
  return logger;
};
