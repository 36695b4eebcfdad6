/** The kinds of environment variable the configuration reads (common/config.ts), each checked with zod. */
import { z } from 'zod';

export const toggle = (name: string) =>
  z
    .string()
    .trim()
    .default('1')
    .refine((v) => v === '0' || v === '1', { message: `${name} must be 0 or 1` })
    .transform((v) => v === '1');

export const httpUrl = (name: string) =>
  z
    .string()
    .trim()
    .refine(
      (v) => {
        try {
          const u = new URL(v);
          return u.protocol === 'http:' || u.protocol === 'https:';
        } catch {
          return false;
        }
      },
      { message: `${name} must be an http(s) URL` },
    )
    .transform((v) => v.replace(/\/+$/, ''));

export const positiveNumber = (name: string, dflt: string) =>
  z
    .string()
    .trim()
    .default(dflt)
    .refine((v) => /^\d+(\.\d+)?$/.test(v) && Number(v) > 0, { message: `${name} must be a positive number` })
    .transform(Number);

/** An integer within the bounds the bus accepts (docs/platform.md), refused at start otherwise. */
export const intIn = (name: string, dflt: string, min: number, max: number) =>
  z
    .string()
    .trim()
    .default(dflt)
    .refine((v) => /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max, {
      message: `${name} must be an integer from ${min} to ${max}`,
    })
    .transform(Number);

export const positiveInt = (name: string, dflt: string) =>
  z
    .string()
    .trim()
    .default(dflt)
    .refine((v) => /^\d+$/.test(v) && Number(v) > 0, { message: `${name} must be a positive integer` })
    .transform(Number);

/** `tenant-a=20,tenant-b=5`: per tenant, a positive number (each tenant once). */
export const tenantRates = (name: string) =>
  z
    .string()
    .trim()
    .default('')
    .transform((v, ctx) => {
      const rates: Record<string, number> = {};
      for (const item of v.split(',').map((x) => x.trim())) {
        if (!item) continue;
        const m = /^([^\s=,]+)=(\d+(?:\.\d+)?)$/.exec(item);
        const tenant = m?.[1];
        if (!m || !tenant || !(Number(m[2]) > 0) || Object.hasOwn(rates, tenant)) {
          ctx.addIssue({
            code: 'custom',
            message: `${name} must be tenant=starts-per-second pairs, comma-separated, each tenant once (${JSON.stringify(item)})`,
          });
          return z.NEVER;
        }
        rates[tenant] = Number(m[2]);
      }
      return rates;
    });
