/**
 * Operator output is inert: stored data (event ids, reasons, tenant names) comes from tenants, and a
 * terminal obeys the control characters in it (repaint, retitle, hide lines). Every CLI line passes through
 * `inert`; control characters are shown as `\uXXXX`, which is also a valid JSON escape, so `--json` output
 * stays parseable.
 */

// C0 but tab and newline, DEL and C1, the line/paragraph separators and the bidirectional overrides.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// The same, newline and tab included: for one stored value printed inside a line.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_IN_VALUE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const escape = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** Text for a terminal: every control character of the text shown as an escape, lines kept. */
export function inert(text: string): string {
  return text.replace(CONTROL, escape);
}

/** One stored value for a line of output: its newlines and tabs escaped too, so it cannot forge lines. */
export function inertValue(value: unknown): string {
  return String(value ?? '-').replace(CONTROL_IN_VALUE, escape);
}
