/**
 * `npm run temporal:cluster`: the multi-service Temporal cluster on PostgreSQL (scripts/cluster/cluster.ts)
 * alone, data under .data/cluster, frontend on TEMPORAL_PORT (7233) and the Web UI on TEMPORAL_UI_PORT
 * (8233), until Ctrl-C. TEMPORAL_CLUSTER_POSTGRES_URL names an existing PostgreSQL instead of its own.
 */
import path from 'node:path';
import { DATA_DIR } from './lib/paths';
import { startCluster } from './cluster/cluster';
import { stopOnSignals } from '../common/shutdown';

async function main(): Promise<void> {
  const starting = startCluster({
    dir: path.join(DATA_DIR, 'cluster'),
    frontendPort: Number(process.env.TEMPORAL_PORT || 7233),
    uiPort: Number(process.env.TEMPORAL_UI_PORT || 8233),
    postgresUrl: process.env.TEMPORAL_CLUSTER_POSTGRES_URL || undefined,
  });
  // Ctrl-C while it starts: it is stopped once started (its processes are in their own process groups).
  stopOnSignals(async () => (await starting.catch(() => null))?.stop(), 'stopping the cluster...');
  const cluster = await starting;
  const pg = cluster.postgres;
  console.log(
    [
      'Temporal cluster on PostgreSQL is running:',
      `  frontend     ${cluster.address} (namespace ${cluster.namespace})`,
      `  Web UI       ${cluster.uiUrl}`,
      `  PostgreSQL   ${pg.host}:${pg.port}${pg.dataDir ? ` (own instance, ${pg.dataDir})` : ''}`,
      `  processes    ${Object.entries(cluster.pids())
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
      `  logs         ${path.join(DATA_DIR, 'cluster', 'logs')}`,
      'Ctrl-C stops it.',
    ].join('\n'),
  );
}

main().catch((err) => {
  console.error(`temporal:cluster: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
