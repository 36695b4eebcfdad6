/**
 * The paging contract of every list (cells and data lake, docs/platform.md): `?limit=&cursor=` answers
 * `{items, nextCursor}`, `nextCursor` null on the last page.
 */
export const DEFAULT_PAGE_LIMIT = 100;
export const MAX_PAGE_LIMIT = 1000;

export interface ListPage<T> {
  items: T[];
  /** Pass as `cursor` for the next page; null on the last one. */
  nextCursor: string | null;
}

/**
 * Every item of a list, for callers that must see all of them (a lookup by source, a cascade): pages of
 * MAX_PAGE_LIMIT, following the cursor. `read` gets the query to add (`limit`, and `cursor` after the first).
 */
export async function readAllPages<T>(read: (page: Record<string, string>) => Promise<ListPage<T>>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const query: Record<string, string> = { limit: String(MAX_PAGE_LIMIT) };
    if (cursor) query.cursor = cursor;
    const page: ListPage<T> = await read(query);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}
