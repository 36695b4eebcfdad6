/**
 * The project's typed search attributes: one run of one business document is found in the Web UI by
 * event type, event id, tenant, business key (`crm:contract:<id>`, `erp:order:<id>`, ...) and outcome.
 * Registered by the dev-server launcher, the compose file and `temporal operator search-attribute create`.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const LinkageEventType = defineSearchAttributeKey('LinkageEventType', SearchAttributeType.KEYWORD);
export const LinkageEventId = defineSearchAttributeKey('LinkageEventId', SearchAttributeType.KEYWORD);
export const LinkageTenant = defineSearchAttributeKey('LinkageTenant', SearchAttributeType.KEYWORD);
export const LinkageBusinessKeys = defineSearchAttributeKey('LinkageBusinessKeys', SearchAttributeType.KEYWORD_LIST);
/** running → completed | partial (data-lake ingest gave up) | failed | compensated | cancelled | invalid | skipped */
export const LinkageOutcome = defineSearchAttributeKey('LinkageOutcome', SearchAttributeType.KEYWORD);

export const ALL_SEARCH_ATTRIBUTES = [
  LinkageEventType,
  LinkageEventId,
  LinkageTenant,
  LinkageBusinessKeys,
  LinkageOutcome,
] as const;

/** `name=Type` pairs as `temporal server start-dev --search-attribute` and `operator search-attribute create` take them. */
export function searchAttributeArgs(): string[] {
  const cliType: Record<string, string> = { KEYWORD: 'Keyword', KEYWORD_LIST: 'KeywordList' };
  return ALL_SEARCH_ATTRIBUTES.map((k) => `${k.name}=${cliType[k.type]}`);
}
