/**
 * A namespace with the linkage search attributes: a fresh one on the jest run's dev server (what a worker
 * moved to a new namespace or cluster starts from: no workflow ids remembered, no poller to resume), or the
 * cluster launcher's. Idempotent: what exists already is kept.
 */
import type { Client } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import type { Duration } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { waitFor } from '../ops/gateway-admin';
import { ALL_SEARCH_ATTRIBUTES } from '../common/search-attributes';

const IndexedValueType = temporal.api.enums.v1.IndexedValueType;
const ALREADY_EXISTS = 6;

export async function createNamespace(
  client: Client,
  namespace: string,
  { retention = '1 day' }: { retention?: Duration } = {},
): Promise<void> {
  await client.workflowService
    .registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(retention) })
    .catch((err: { code?: number }) => {
      if (err.code !== ALREADY_EXISTS) throw err;
    });
  const types = {
    KEYWORD: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    KEYWORD_LIST: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
  };
  await waitFor('the namespace and its search attributes', async () => {
    const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace });
    const missing = ALL_SEARCH_ATTRIBUTES.filter((k) => customAttributes?.[k.name] === undefined);
    if (!missing.length) return true;
    await client.connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((k) => [k.name, types[k.type as keyof typeof types]])),
    });
    return false;
  });
}
