/**
 * Why Temporal refused a start, by cause. Only a refusal caused by the event itself (its size, its id, its
 * type) is dead-lettered; a refusal caused by the namespace (search attributes not registered, namespace
 * missing, no permission) would refuse every event alike, so the poller stops where it is and is retried.
 */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { ConfigError } from '../common/config';
import { ALL_SEARCH_ATTRIBUTES, searchAttributeArgs } from '../common/search-attributes';
import { WorkflowIdCollisionError } from './start-linkage';

export type StartRefusal = { kind: 'event'; cause: string } | { kind: 'namespace'; cause: string } | null;

/** gRPC codes: 3 INVALID_ARGUMENT, 5 NOT_FOUND, 7 PERMISSION_DENIED, 11 OUT_OF_RANGE, 16 UNAUTHENTICATED. */
const NAMESPACE_CODES = new Set([5, 7, 16]);
const EVENT_CODES = new Set([3, 11]);
/** INVALID_ARGUMENT messages that are about the namespace's configuration, not the request. */
const NAMESPACE_MESSAGES = [/search attribute/i, /namespace/i];
/** …unless they name the request's own size ("search attribute value size exceeds the limit"). */
const EVENT_MESSAGES = [/size|too large|exceeds|limit/i, /workflow ?id/i, /workflow ?type/i];

export function classifyStartRefusal(err: unknown): StartRefusal {
  if (err instanceof WorkflowExecutionAlreadyStartedError) return null;
  if (err instanceof WorkflowIdCollisionError) return { kind: 'event', cause: err.message };
  const g = grpcErrorOf(err);
  if (!g) return null;
  const cause = `grpc ${g.code}: ${g.message}`;
  if (NAMESPACE_CODES.has(g.code)) return { kind: 'namespace', cause };
  if (!EVENT_CODES.has(g.code)) return null;
  if (EVENT_MESSAGES.some((r) => r.test(g.message))) return { kind: 'event', cause };
  if (NAMESPACE_MESSAGES.some((r) => r.test(g.message))) return { kind: 'namespace', cause };
  return { kind: 'event', cause };
  return null;
}

/** The first gRPC status in an error's cause chain (the client wraps the service error). */
function grpcErrorOf(err: unknown): { code: number; message: string } | undefined {
  for (let e: unknown = err; e instanceof Error; e = (e as Error & { cause?: unknown }).cause) {
    const code = (e as Error & { code?: unknown }).code;
    if (typeof code === 'number') return { code, message: e.message };
  }
  return undefined;
}

/** Thrown by the poller for a namespace-level refusal: the page is not committed. */
export class NamespaceRefusedError extends Error {
  constructor(readonly refusalCause: string) {
    super(`Temporal refuses every start in this namespace (fix the namespace, nothing was skipped): ${refusalCause}`);
    this.name = 'NamespaceRefusedError';
  }
}

/**
 * The worker's start-up check of its namespace: one that does not exist or lacks a Linkage* search
 * attribute would refuse every start, so the worker is refused at start (exit 2) instead.
 */
export async function checkNamespace(client: Client, namespace: string): Promise<{ unchecked?: string }> {
  let custom: Record<string, unknown>;
  try {
    custom = (await client.connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};
  } catch (err) {
    // A key that may start workflows but not list attributes (PERMISSION_DENIED), or a server without the
    // operator service (UNIMPLEMENTED), proves nothing wrong: the poller's own hold covers a real refusal.
    const g = grpcErrorOf(err);
    if (g?.code === 7 || g?.code === 12) return { unchecked: `grpc ${g.code}: ${g.message}` };
    const refusal = classifyStartRefusal(err);
    if (refusal?.kind !== 'namespace') throw err;
    const fix = /^grpc 5:/.test(refusal.cause)
      ? `: create it (temporal operator namespace create --namespace ${namespace}) or name an existing one`
      : '';
    throw new ConfigError([`TEMPORAL_NAMESPACE=${namespace}: ${refusal.cause}${fix}`]);
  }
  const missing = ALL_SEARCH_ATTRIBUTES.filter((k) => custom[k.name] === undefined);
  if (!missing.length) return {};
  const args = searchAttributeArgs().filter((a) => missing.some((k) => a.startsWith(`${k.name}=`)));
  const cmd = args
    .map((a) => {
      const [name, type] = a.split('=');
      return `temporal operator search-attribute create --namespace ${namespace} --name ${name} --type ${type}`;
    })
    .join(' && ');
  throw new ConfigError([
    `TEMPORAL_NAMESPACE=${namespace} lacks the search attributes ${missing.map((k) => k.name).join(', ')}: register them with ${cmd}`,
  ]);
}
