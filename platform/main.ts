/**
 * `npm run platform`: starts the services named in PLATFORM_SERVICES from the environment and, once all of
 * them listen (logged: `platform started`), prints one `PLATFORM_READY {...}` line on stdout for test
 * helpers and scripts to wait for, unless stdout is a terminal (a person reads it there, no parent).
 */
// First: tracing (when OTEL_EXPORTER_OTLP_ENDPOINT is set) instruments http before fastify loads it.
import { tracing } from './start-tracing';
import { ConfigError as LogConfigError } from '../common/config';
import { announceReady, logFormat } from '../common/logger';
import { stopOnSignals } from '../common/shutdown';
import { ConfigError, optionsFromEnv } from './shared/config';
import { startPlatform } from './index';

async function main(): Promise<void> {
  logFormat(); // LOG_FORMAT checked before anything starts
  const starting = startPlatform(optionsFromEnv());
  // Installed before the services listen: a signal during start-up stops them once they do.
  stopOnSignals(async () => {
    const platform = await starting.catch(() => null); // a failed start is main's to report
    await platform?.stop();
    await tracing?.shutdown(); // the spans of the last requests, before the process ends
  });
  const { gatewayUrl, datalakeUrl, urls } = await starting;
  announceReady('PLATFORM_READY', { gatewayUrl, datalakeUrl, urls });
}

main().catch((err: unknown) => {
  // LOG_FORMAT's error in the platform's words (its other variables are checked by optionsFromEnv).
  const config =
    err instanceof LogConfigError ? `invalid platform configuration:\n  ${err.problems.join('\n  ')}` : null;
  const message = err instanceof ConfigError ? err.message : config;
  process.stderr.write(`${message ?? String((err as Error)?.stack ?? err)}\n`);
  process.exit(message ? 2 : 1);
});
