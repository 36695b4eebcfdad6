/**
 * The query every report takes: `tenantId`, an optional half-open time range [from, to), and `utcOffset`
 * (±HH:MM, default +00:00): the offset of the report's months and of bounds given without one (China:
 * +08:00, which has no daylight saving, so a fixed offset is exact).
 */
import { z } from 'zod';
import { instantMs, offsetMinutesOf } from './instant';

export const ReportQuery = z
  .object({
    tenantId: z.string().min(1).max(100),
    from: z.string().optional(),
    to: z.string().optional(),
    utcOffset: z.string().default('+00:00'),
  })
  .transform((q, ctx) => {
    const offsetMinutes = offsetMinutesOf(q.utcOffset);
    if (offsetMinutes === null) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['utcOffset'], message: 'expected ±HH:MM, e.g. +08:00' });
      return z.NEVER;
    }
    const at = (key: 'from' | 'to'): number | undefined => {
      const value = q[key];
      if (value === undefined) return undefined;
      const ms = instantMs(value, offsetMinutes);
      if (ms === null)
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: [key], message: 'expected an ISO date or datetime' });
      return ms ?? undefined;
    };
    const from = at('from');
    const to = at('to');
    if (from !== undefined && to !== undefined && from >= to) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['to'], message: 'must be later than from' });
    }
    return { tenantId: q.tenantId, from, to, utcOffset: q.utcOffset, offsetMinutes };
  });

export type ReportQuery = z.output<typeof ReportQuery>;

/** The query as the answer echoes it: the range as ISO instants (null when open) and the offset. */
export function echoQuery(q: ReportQuery): { from: string | null; to: string | null; utcOffset: string } {
  const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
  return { from: iso(q.from), to: iso(q.to), utcOffset: q.utcOffset };
}
