// Owns the duration and size syntax of gateway.yaml ("500ms", "30s", "5m", "12h", "2d"; "64KB", "1MiB").

import { z } from 'zod';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;

/** Parses a duration with a unit into milliseconds; returns undefined when it does not parse. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  const [, amount, unit] = match;
  return Math.round(Number(amount) * (UNIT_MS[unit as string] as number));
}

/** A gateway.yaml field holding a duration with a unit, validated and turned into milliseconds. */
export const durationField = (description: string) =>
  z
    .union([z.string(), z.number()])
    .transform((value, ctx) => {
      const ms = typeof value === 'string' ? parseDuration(value) : undefined;
      if (ms === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `must be a duration with a unit such as 500ms, 30s, 5m or 12h, got ${JSON.stringify(value)}`,
        });
        return z.NEVER;
      }
      return ms;
    })
    .meta({ description, type: 'duration' });

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1024,
  kib: 1024,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

/** Parses "64KB", "1 MiB" or "512B" into bytes (binary multiples); undefined when it does not parse. */
export function parseSize(text: string): number | undefined {
  const match = /^(\d+)\s*([a-z]+)$/i.exec(text.trim());
  const unit = match && SIZE_UNITS[(match[2] as string).toLowerCase()];
  return unit ? Number(match[1]) * unit : undefined;
}

/** A gateway.yaml field holding a size with a unit, turned into bytes. */
export const sizeField = (description: string) =>
  z
    .string()
    .transform((value, ctx) => {
      const bytes = parseSize(value);
      if (bytes === undefined) {
        ctx.addIssue({ code: 'custom', message: `must be a size such as 64KB or 1MiB, got ${JSON.stringify(value)}` });
        return z.NEVER;
      }
      return bytes;
    })
    .meta({ description, type: 'size' });
