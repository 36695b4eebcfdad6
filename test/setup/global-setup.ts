/**
 * One real Temporal dev server (the binary `npm run setup` built) for the whole jest run: in memory,
 * headless, on a free port. Suites read its address from TEMPORAL_ADDRESS.
 */
import net from 'node:net';
import { startDevServer, type DevServer } from '../../scripts/dev-server';

declare global {
  var __temporalDevServer: DevServer | undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export default async function globalSetup(): Promise<void> {
  const server = await startDevServer({ dbFile: null, port: await freePort(), ui: false, logFile: '/dev/null' });
  globalThis.__temporalDevServer = server;
  process.env.TEMPORAL_ADDRESS = server.address;
  process.env.TEMPORAL_NAMESPACE = server.namespace;
}
