/**
 * The bounds of a report's range: an ISO date (midnight UTC) or an ISO datetime, with an offset or without
 * one (then UTC, never the server's local zone), as DuckDB reads the records' own instants (columns.ts).
 */
import { z } from 'zod';

const isoDate = z.string().date();
const isoDateTime = z.string().datetime({ offset: true, local: true });

/** Milliseconds since the epoch, or null when `value` is not an ISO date or datetime. */
export function instantMs(value: unknown): number | null {
  let iso: string;
  if (isoDate.safeParse(value).success) iso = `${value as string}T00:00:00Z`;
  else if (isoDateTime.safeParse(value).success) {
    const s = value as string;
    iso = /(Z|[+-]\d{2}(:?\d{2})?)$/i.test(s) ? s : `${s}Z`;
  } else return null;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : null;
}

/** A zod schema for a query parameter holding an instant, parsed to epoch milliseconds. */
export const instantParam = z.string().transform((s, ctx) => {
  const ms = instantMs(s);
  if (ms === null) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'expected an ISO date or datetime' });
    return z.NEVER;
  }
  return ms;
});
