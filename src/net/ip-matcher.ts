// Owns address-range matching: a list of addresses and CIDR ranges compiled once
// into sorted, merged numeric ranges, so that a lookup is a binary search.

import { type AddressKey, keyOf, parseAddress } from './ip.js';

export interface CidrRange {
  family: 'ipv4' | 'ipv6';
  start: bigint;
  end: bigint;
}

export interface IpMatcher {
  /**
   * True when the address lies in one of the ranges: text in any strict spelling, or the key of
   * an address already read (readAddress); undefined or malformed is never inside.
   */
  contains(address: string | AddressKey | undefined): boolean;
  readonly size: number;
}

function toBigInt(address: ParsedBytes): bigint {
  let value = 0n;
  for (const byte of address.toByteArray()) value = (value << 8n) | BigInt(byte);
  return value;
}

type ParsedBytes = { toByteArray(): number[] };

/** Parses "10.0.0.0/8", "2001:db8::/32" or a bare address into a numeric range; undefined when malformed. */
export function parseCidr(text: string): CidrRange | undefined {
  const slash = text.indexOf('/');
  const address = parseAddress(slash === -1 ? text : text.slice(0, slash));
  if (!address) return undefined;
  const bits = address.kind() === 'ipv4' ? 32 : 128;
  let prefix = bits;
  if (slash !== -1) {
    const prefixText = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(prefixText)) return undefined;
    prefix = Number(prefixText);
    // An IPv4-mapped range such as ::ffff:10.0.0.0/104 was folded to IPv4 above; its prefix follows.
    const written = text.slice(0, slash);
    if (address.kind() === 'ipv4' && written.includes(':')) prefix -= 96;
    if (prefix < 0 || prefix > bits) return undefined;
  }
  const hostBits = BigInt(bits - prefix);
  const start = (toBigInt(address) >> hostBits) << hostBits;
  return { family: address.kind(), start, end: start + (1n << hostBits) - 1n };
}

function merge(ranges: CidrRange[]): CidrRange[] {
  const sorted = [...ranges].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const merged: CidrRange[] = [];
  for (const range of sorted) {
    const last = merged.at(-1);
    if (last && range.start <= last.end + 1n) {
      if (range.end > last.end) last.end = range.end;
    } else {
      merged.push({ ...range });
    }
  }
  return merged;
}

/** Finds whether value lies in one of the sorted, disjoint [start, end] pairs. */
function search<T extends number | string>(starts: ArrayLike<T>, ends: ArrayLike<T>, value: T): boolean {
  let low = 0;
  let high = starts.length - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    if (value < (starts[mid] as T)) high = mid - 1;
    else if (value > (ends[mid] as T)) low = mid + 1;
    else return true;
  }
  return false;
}

/** Compiles validated ranges into a matcher; throws on an entry that does not parse. */
export function createIpMatcher(entries: readonly string[]): IpMatcher {
  const ranges = entries.map((entry) => {
    const range = parseCidr(entry);
    if (!range) throw new Error(`not an IP address or CIDR range: "${entry}"`);
    return range;
  });
  // IPv4 ranges fit in doubles, which compare far faster than bigints on the hot path.
  const v4 = merge(ranges.filter((r) => r.family === 'ipv4'));
  const v4Starts = Float64Array.from(v4, (r) => Number(r.start));
  const v4Ends = Float64Array.from(v4, (r) => Number(r.end));
  // IPv6 bounds as fixed-width hex: equal-length strings compare in numeric order, and
  // building one from a parsed address is far cheaper than building a bigint.
  const v6 = merge(ranges.filter((r) => r.family === 'ipv6'));
  const v6Starts = v6.map((r) => r.start.toString(16).padStart(32, '0'));
  const v6Ends = v6.map((r) => r.end.toString(16).padStart(32, '0'));

  return {
    size: entries.length,
    contains(address) {
      let key: AddressKey | undefined;
      if (typeof address === 'string') {
        const parsed = parseAddress(address);
        key = parsed && keyOf(parsed);
      } else key = address;
      if (!key) return false;
      return key.family === 'ipv4'
        ? v4Starts.length > 0 && search(v4Starts, v4Ends, key.value)
        : v6Starts.length > 0 && search(v6Starts, v6Ends, key.value);
    },
  };
}
