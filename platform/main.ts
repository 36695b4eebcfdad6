/**
 * `npm run platform`: starts the services named in PLATFORM_SERVICES from the environment and, once all of
 * them listen (logged: `platform started`), prints one `PLATFORM_READY {...}` line on stdout for test
 * helpers and scripts to wait for, unless stdout is a terminal (a person reads it there, no parent).
 */
// First: tracing (when OTEL_EXPORTER_OTLP_ENDPOINT is set) instruments http before fastify loads it.
import { tracing } from './start-tracing';
import { ConfigError as LogConfigError } from '../common/config';
import { announceReady, logFormat } from '../common/logger';
import { ConfigError, optionsFromEnv } from './shared/config';
import { startPlatform } from './index';

async function main(): Promise<void> {
  logFormat(); // LOG_FORMAT checked before anything starts
  const platform = await startPlatform(optionsFromEnv());
  const { gatewayUrl, datalakeUrl, urls } = platform;
  announceReady('PLATFORM_READY', { gatewayUrl, datalakeUrl, urls });

  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    platform.stop().then(
      async () => {
        await tracing?.shutdown(); // the spans of the last requests, before the process ends
        process.exit(0);
      },
      (err: unknown) => {
        process.stderr.write(`platform stop failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  // LOG_FORMAT's error in the platform's words (its other variables are checked by optionsFromEnv).
  const config =
    err instanceof LogConfigError ? `invalid platform configuration:\n  ${err.problems.join('\n  ')}` : null;
  const message = err instanceof ConfigError ? err.message : config;
  process.stderr.write(`${message ?? String((err as Error)?.stack ?? err)}\n`);
  process.exit(message ? 2 : 1);
});
