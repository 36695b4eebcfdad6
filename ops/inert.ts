/**
 * Operator output is inert: stored data (event ids, reasons, tenant names) comes from tenants, and a
 * terminal obeys the control characters in it (repaint, retitle, hide lines). Every CLI line passes through
 * `inert`; control characters are shown as `\uXXXX`, which is also a valid JSON escape, so `--json` output
 * stays parseable.
 */

// DEL and C1, the line/paragraph separators and the bidirectional overrides, after the C0 set.
const BEYOND_C0 = '\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069';
// C0 but tab and newline: text keeps its lines.
const CONTROL = new RegExp(`[\\u0000-\\u0008\\u000b-\\u001f${BEYOND_C0}]`, 'g');
// All of C0 too: one stored value printed inside a line.
const CONTROL_IN_VALUE = new RegExp(`[\\u0000-\\u001f${BEYOND_C0}]`, 'g');

const escape = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** Text for a terminal: every control character of the text shown as an escape, lines kept. */
export function inert(text: string): string {
  return text.replace(CONTROL, escape);
}

/** One stored value for a line of output: its newlines and tabs escaped too, so it cannot forge lines. */
export function inertValue(value: unknown): string {
  return String(value ?? '-').replace(CONTROL_IN_VALUE, escape);
}
