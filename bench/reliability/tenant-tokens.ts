/**
 * The token map of the scenarios with tenant-bound credentials (docs/platform.md): the suite's admin token, the
 * worker's service token and one token per tenant, each a fresh secret the log scan looks for.
 */
import { randomBytes } from 'node:crypto';

export interface TenantTokens {
  service: string;
  tenantA: string;
  tenantB: string;
}

export const secret = (label: string): string => `${label}-${randomBytes(16).toString('hex')}`;

export function tenantTokens(): TenantTokens {
  return { service: secret('svc'), tenantA: secret('tokA'), tenantB: secret('tokB') };
}

/** `PLATFORM_TOKENS` for tenants `a` and `b`, beside the suite's admin token. */
export function tokenMapEnv(admin: string, tokens: TenantTokens, a: string, b: string): Record<string, string> {
  return {
    PLATFORM_TOKENS: JSON.stringify({
      tokens: [
        { token: admin, role: 'admin', name: 'suite-admin' },
        { token: tokens.service, role: 'service', name: 'linkage-worker' },
        { token: tokens.tenantA, role: 'tenant', tenants: [a], name: 'tenant-a' },
        { token: tokens.tenantB, role: 'tenant', tenants: [b], name: 'tenant-b' },
      ],
    }),
  };
}
