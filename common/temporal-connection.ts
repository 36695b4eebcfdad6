/**
 * Connection options for Temporal from the configuration: plaintext for the dev server, mTLS and/or an
 * API key for a production cluster. The worker, the operator CLI and the demo all connect through here.
 */
import fs from 'node:fs';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';
import type { Config } from './config';

/** The subset both `Connection` (client) and `NativeConnection` (worker) take. */
export interface TemporalConnectionOptions {
  address: string;
  /** false: plaintext, stated explicitly (the SDK turns TLS on by itself when an API key is set). */
  tls?: TLSConfig | false;
  apiKey?: string;
}

export function temporalConnectionOptions(config: Config): TemporalConnectionOptions {
  const { address, tls, apiKey } = config.temporal;
  if (!tls) return apiKey ? { address, tls: false, apiKey } : { address };
  const read = (file: string | undefined, name: string): Buffer | undefined => {
    if (!file) return undefined;
    try {
      return fs.readFileSync(file);
    } catch (err) {
      throw new Error(`${name}=${file}: ${(err as Error).message}`);
    }
  };
  const crt = read(tls.certPath, 'TEMPORAL_TLS_CERT_PATH');
  const key = read(tls.keyPath, 'TEMPORAL_TLS_KEY_PATH');
  return {
    address,
    tls: {
      serverNameOverride: tls.serverName,
      serverRootCACertificate: read(tls.caPath, 'TEMPORAL_TLS_CA_PATH'),
      clientCertPair: crt && key ? { crt, key } : undefined,
    },
    ...(apiKey ? { apiKey } : {}),
  };
}

/**
 * Temporal did not answer the first connection: the address (or the TLS settings) is wrong or the server is
 * down. Not a configuration error as such (the same address works once the server is up): a clear message
 * and a non-zero exit, for the orchestrator to restart the worker.
 */
export class TemporalUnreachableError extends Error {
  constructor(address: string, cause: unknown) {
    super(
      `TEMPORAL_ADDRESS=${address}: Temporal cannot be reached (${cause instanceof Error ? cause.message : String(cause)}); check the address, the TLS settings and that the server runs`,
      { cause },
    );
    this.name = 'TemporalUnreachableError';
  }
}
