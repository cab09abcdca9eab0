// Owns the checking of time-to-live and "set if greater" arguments, shared by every backend so
// that a mistake is refused the same way everywhere instead of meaning "forever" in one backend
// and "already expired" in another.

import type { OrderedRange, StoreWrite } from './store.js';

/** Returns ttlMs when it is a positive whole number of milliseconds (undefined means no expiry); throws otherwise. */
export function checkTtl(ttlMs: number): number;
export function checkTtl(ttlMs: number | undefined): number | undefined;
export function checkTtl(ttlMs: number | undefined): number | undefined {
  if (ttlMs === undefined) return undefined;
  // Redis refuses PX 0 and fractions; refusing them here too keeps the backends interchangeable.
  if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`ttlMs must be a positive whole number of milliseconds, got ${ttlMs}`);
  }
  return ttlMs;
}

/** Returns n when it is a finite number; a NaN would never compare greater and silently lose every write. */
export function checkNumber(n: number): number {
  if (!Number.isFinite(n)) throw new RangeError(`setIfGreater needs a finite number, got ${n}`);
  return n;
}

/** Returns score when it is a finite number: every backend orders those alike (Redis refuses NaN). */
export function checkScore(score: number): number {
  if (!Number.isFinite(score)) throw new RangeError(`an ordered set's score must be a finite number, got ${score}`);
  return score;
}

/** Checks an ordered set's range: a limit of at least 1, or a number to keep of at least 0, whole. */
export function checkRange(range: OrderedRange): OrderedRange {
  const [name, n, least] = 'limit' in range ? ['limit', range.limit, 1] : ['keep', range.keep, 0];
  if (!Number.isSafeInteger(n) || n < least)
    throw new RangeError(`an ordered set's ${name} must be a whole number of at least ${least}, got ${n}`);
  return range;
}

/** Returns max when it is a whole number of at least 1: a list capped at 0 (or at a fraction) would mean something different in each backend. */
export function checkCap(max: number): number {
  if (!Number.isSafeInteger(max) || max < 1)
    throw new RangeError(`a list's cap must be a whole number of at least 1, got ${max}`);
  return max;
}

/** Checks every TTL of an atomic write before any change is applied, so that a bad one writes nothing. */
export function checkWrites(writes: readonly StoreWrite[]): void {
  for (const write of writes) if (write.op !== 'delete') checkTtl(write.ttlMs);
}
