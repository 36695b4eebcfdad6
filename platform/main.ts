/**
 * `npm run platform`: starts the services named in PLATFORM_SERVICES from the environment and prints one
 * `PLATFORM_READY {...}` line on stdout once all of them listen (test helpers and scripts wait for it).
 */
import { ConfigError, optionsFromEnv } from './shared/config';
import { startPlatform } from './index';

async function main(): Promise<void> {
  const platform = await startPlatform(optionsFromEnv());
  const { gatewayUrl, datalakeUrl, urls } = platform;
  process.stdout.write(`PLATFORM_READY ${JSON.stringify({ gatewayUrl, datalakeUrl, urls })}\n`);

  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    platform.stop().then(
      () => process.exit(0),
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
  process.stderr.write(`${err instanceof ConfigError ? err.message : String((err as Error)?.stack ?? err)}\n`);
  process.exit(err instanceof ConfigError ? 2 : 1);
});
