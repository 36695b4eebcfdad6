/**
 * The bounds of a report's range: an ISO date (midnight) or an ISO datetime, with an offset or without one.
 * Without one they are read at the report's `utcOffset` (default UTC, never the server's local zone), as
 * DuckDB reads the records' own instants (columns.ts).
 */
import { z } from 'zod';

const isoDate = z.string().date();
const isoDateTime = z.string().datetime({ offset: true, local: true });

/**
 * Milliseconds since the epoch, or null when `value` is not an ISO date or datetime. A date, or a datetime
 * without an offset, is read at `offsetMinutes` east of UTC.
 */
export function instantMs(value: unknown, offsetMinutes = 0): number | null {
  let ms: number;
  if (isoDate.safeParse(value).success) ms = Date.parse(`${value as string}T00:00:00Z`) - offsetMinutes * 60_000;
  else if (isoDateTime.safeParse(value).success) {
    const s = value as string;
    ms = /(Z|[+-]\d{2}(:?\d{2})?)$/i.test(s) ? Date.parse(s) : Date.parse(`${s}Z`) - offsetMinutes * 60_000;
  } else return null;
  return Number.isFinite(ms) ? ms : null;
}

/** `±HH:MM` (UTC-12:00 … UTC+14:00) as minutes east of UTC, or null. */
export function offsetMinutesOf(value: string): number | null {
  const m = /^([+-])(\d{2}):([0-5]\d)$/.exec(value);
  if (!m) return null;
  const minutes = (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
  return minutes >= -12 * 60 && minutes <= 14 * 60 ? minutes : null;
}
