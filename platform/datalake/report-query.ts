/** The query every report takes: `tenantId`, and an optional half-open time range [from, to). */
import { z } from 'zod';
import { instantParam } from './instant';

export const ReportQuery = z
  .object({
    tenantId: z.string().min(1).max(100),
    from: instantParam.optional(),
    to: instantParam.optional(),
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from < q.to, {
    path: ['to'],
    message: 'must be later than from',
  });

export type ReportQuery = z.infer<typeof ReportQuery>;

/** The range as the answer echoes it: ISO instants, null when open. */
export function echoRange(q: ReportQuery): { from: string | null; to: string | null } {
  const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
  return { from: iso(q.from), to: iso(q.to) };
}
