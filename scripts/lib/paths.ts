/** Where the project keeps its local binaries and data (both git-ignored). */
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
export const TOOLS_BIN = path.join(ROOT, '.tools', 'bin');
export const DATA_DIR = path.join(ROOT, '.data');

/** The Temporal CLI: TEMPORAL_CLI_PATH when set, else the one `npm run setup` built. */
export function temporalCliPath(): string {
  return process.env.TEMPORAL_CLI_PATH || path.join(TOOLS_BIN, 'temporal');
}

export function tctlPath(): string {
  return process.env.TCTL_PATH || path.join(TOOLS_BIN, 'tctl');
}
