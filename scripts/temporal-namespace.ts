/**
 * A fresh namespace on the jest run's dev server, with the linkage search attributes: what a worker moved
 * to a new namespace or cluster starts from (no workflow ids remembered, no poller to resume).
 */
import type { Client } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { waitFor } from '../common/platform-client';
import { ALL_SEARCH_ATTRIBUTES } from '../common/search-attributes';

const IndexedValueType = temporal.api.enums.v1.IndexedValueType;

export async function createNamespace(client: Client, namespace: string): Promise<void> {
  await client.workflowService.registerNamespace({
    namespace,
    workflowExecutionRetentionPeriod: msToTs('1 day'),
  });
  const types = {
    KEYWORD: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    KEYWORD_LIST: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
  };
  await waitFor('the namespace', async () => {
    await client.connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(
        ALL_SEARCH_ATTRIBUTES.map((k) => [k.name, types[k.type as keyof typeof types]]),
      ),
    });
    const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace });
    return ALL_SEARCH_ATTRIBUTES.every((k) => customAttributes?.[k.name] !== undefined);
  });
}
