/**
 * Paging of every list (cells and data lake): `?limit=&cursor=` → `{items, nextCursor}`. The cursor is the
 * key of the last row returned, as base64url JSON: opaque to callers, checked against the key's schema, so a
 * garbage or hand-made cursor answers 400 naming `cursor` rather than a wrong page. A cursor is a position
 * only: the query that reads after it is still scoped by the caller's tenant and filters.
 */
import { z, type ZodTypeAny } from 'zod';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, type ListPage } from '../../common/paging';

export function encodeCursor(key: unknown): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

const BASE64URL = /^[A-Za-z0-9_-]{1,400}$/;

function cursorOf<K extends ZodTypeAny>(key: K) {
  return z
    .string()
    .regex(BASE64URL, 'the nextCursor of a previous page')
    .transform((value, ctx): z.infer<K> => {
      let decoded: unknown;
      try {
        decoded = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
      } catch {
        decoded = undefined;
      }
      const parsed = key.safeParse(decoded);
      if (parsed.success) return parsed.data;
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'the nextCursor of a previous page' });
      return z.NEVER;
    });
}

/**
 * The schema of a list's `limit` (1..MAX_PAGE_LIMIT, default DEFAULT_PAGE_LIMIT; above the bound is a 400,
 * never a silently shorter page) and `cursor` (decoded to its `key`) → `{limit, after}`; other keys (the
 * list's filters) are ignored.
 */
export function pageQuery<K extends ZodTypeAny>(key: K) {
  return z
    .object({
      limit: z.coerce.number().int().min(1).max(MAX_PAGE_LIMIT).default(DEFAULT_PAGE_LIMIT),
      cursor: cursorOf(key).optional(),
    })
    .transform(({ limit, cursor }) => ({ limit, after: cursor as z.infer<K> | undefined }));
}

/** The page of `rows` read with `LIMIT limit + 1`: the extra row, if there is one, says there is more. */
export function pageOf<R, T>(rows: R[], limit: number, item: (r: R) => T, key: (r: R) => unknown): ListPage<T> {
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  return { items: page.map(item), nextCursor: more ? encodeCursor(key(page[page.length - 1])) : null };
}
