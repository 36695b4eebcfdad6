/**
 * One real Temporal dev server (the binary `npm run setup` built) for the whole jest run: in memory,
 * headless, on a free port. Suites read its address from TEMPORAL_ADDRESS.
 */
import { startDevServer, type DevServer } from '../../scripts/dev-server';
import { freePort } from '../helpers/ports';

declare global {
  var __temporalDevServer: DevServer | undefined;
}

export default async function globalSetup(): Promise<void> {
  const server = await startDevServer({ dbFile: null, port: await freePort(), ui: false, logFile: '/dev/null' });
  globalThis.__temporalDevServer = server;
  process.env.TEMPORAL_ADDRESS = server.address;
  process.env.TEMPORAL_NAMESPACE = server.namespace;
}
