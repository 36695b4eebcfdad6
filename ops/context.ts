/**
 * What every operator command stands on: a Temporal client on the worker's TEMPORAL_ADDRESS /
 * TEMPORAL_NAMESPACE, the gateway (GATEWAY_URL, token) and the Web UI base for links. Commands take it as
 * an argument, so tests hand in their own client instead of the environment's.
 */
import { Client, Connection } from '@temporalio/client';
import { loadConfig, type Config } from '../common/config';
import { GatewayAdmin } from './gateway-admin';
import { temporalConnectionOptions } from '../common/temporal-connection';

export interface OpsContext {
  client: Client;
  namespace: string;
  /** The gateway, for dead letters. */
  api: GatewayAdmin;
  /** Web UI base URL, or null when links should not be printed. */
  uiUrl: string | null;
  /** The worker's configuration (task queue, toggles, retries): what a linkage started by hand runs with. */
  config?: Config;
}

export async function openContext(
  env: NodeJS.ProcessEnv = process.env,
): Promise<OpsContext & { close(): Promise<void> }> {
  const config: Config = loadConfig(env);
  const connection = await Connection.connect(temporalConnectionOptions(config));
  const namespace = config.temporal.namespace;
  return {
    client: new Client({ connection, namespace }),
    namespace,
    api: new GatewayAdmin(config.gatewayUrl, config.token),
    uiUrl: config.temporal.uiUrl,
    config,
    close: () => connection.close(),
  };
}

/** The Web UI page of one run. */
export function uiLink(ctx: OpsContext, workflowId: string, runId?: string): string | null {
  if (!ctx.uiUrl) return null;
  const base = `${ctx.uiUrl}/namespaces/${encodeURIComponent(ctx.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${encodeURIComponent(runId)}/history` : base;
}
