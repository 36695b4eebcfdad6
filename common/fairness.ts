/**
 * The fairness key a linkage run is dispatched under (Temporal task-queue fairness, `priority.fairnessKey`):
 * its tenant, so one tenant's backlog of workflow tasks cannot hold back another's. The server refuses a key
 * over 64 bytes of UTF-8 (InvalidArgument), and a refused start would dead-letter the event, so a longer
 * tenant id becomes a readable prefix plus a hash of the whole. Pure: no Buffer, no Node APIs.
 */
import { stableHash } from './bounded';

/** The server's limit on `priority.fairnessKey`, in UTF-8 bytes. */
export const MAX_FAIRNESS_KEY_BYTES = 64;

/** The tenant id itself when it fits; else its longest whole-code-point prefix that fits with `#<hash>`. */
export function fairnessKeyOf(tenantId: string): string {
  if (utf8Length(tenantId) <= MAX_FAIRNESS_KEY_BYTES) return tenantId;
  const tail = `#${stableHash(tenantId)}`;
  let budget = MAX_FAIRNESS_KEY_BYTES - tail.length;
  let prefix = '';
  for (const ch of tenantId) {
    const n = utf8Length(ch);
    if (n > budget) break;
    prefix += ch;
    budget -= n;
  }
  return `${prefix}${tail}`;
}

/** Bytes of `s` in UTF-8, a lone surrogate counted as the 3 bytes of the replacement character. */
export function utf8Length(s: string): number {
  let n = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return n;
}
