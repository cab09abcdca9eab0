// Owns what an allowlist is, wherever it is kept (gateway.yaml or Redis): entries (an address
// or CIDR range with an optional note), named lists and per-user lists, the one validation
// every editor applies (file, CLI, admin page), and compilation into matchers. Pure: the
// sources and editors do the I/O; access/allowlist-verdict.ts decides a request with it.

import { parseAddress } from '../net/ip.js';
import { createIpMatcher, type IpMatcher, parseCidr } from '../net/ip-matcher.js';

export interface AllowlistEntry {
  /** Canonical text: "192.0.2.7", "10.0.0.0/8", "2001:db8::/32" (IPv4-mapped IPv6 written as IPv4). */
  readonly cidr: string;
  /** Who or why, for the admins who read the list later. */
  readonly note?: string;
}

/** Every list, by name, and every user's own list, by canonical username. */
export interface AllowlistData {
  readonly lists: Readonly<Record<string, readonly AllowlistEntry[]>>;
  readonly users: Readonly<Record<string, readonly AllowlistEntry[]>>;
}

/** Which list an edit addresses: a named list, or one user's own list. */
export interface AllowlistTarget {
  readonly kind: 'list' | 'user';
  readonly name: string;
}

/** One change to one list: an entry added (or the note of its range replaced), or a range's entry removed. */
export type AllowlistChange =
  | { readonly kind: 'add'; readonly entry: AllowlistEntry }
  | { readonly kind: 'remove'; readonly cidr: string };

export const EMPTY_ALLOWLISTS: AllowlistData = Object.freeze({ lists: {}, users: {} });

/** A list's name: what a policy binds a role to and what a Redis key carries. */
export const LIST_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const NOTE_MAX_LENGTH = 200;

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

/**
 * Validates one entry as every editor must (an entry that does not parse is refused at the
 * edit, never dropped later): a strict address or CIDR range, without host bits set beyond
 * the prefix ("10.0.0.1/8" is ambiguous: a typo for /32 or for 10.0.0.0/8), and a one-line note.
 */
export function parseEntry(cidrText: string, note?: string): Parsed<AllowlistEntry> {
  const text = cidrText.trim();
  const range = parseCidr(text);
  if (!range) return { ok: false, message: `"${text}" is not an IP address or CIDR range` };
  const slash = text.indexOf('/');
  const address = parseAddress(slash === -1 ? text : text.slice(0, slash)) as NonNullable<
    ReturnType<typeof parseAddress>
  >;
  const bits = address.kind() === 'ipv4' ? 32 : 128;
  const prefix = bits - (range.end - range.start + 1n).toString(2).length + 1;
  const base = addressText(range.start, address.kind());
  if (slash !== -1 && base !== address.toString()) {
    return {
      ok: false,
      message: `"${text}" has bits set after the /${prefix} prefix: write ${base}/${prefix} for the range or ${address.toString()} for the one address`,
    };
  }
  const cidr = prefix === bits ? base : `${base}/${prefix}`;
  const cleanNote = note?.trim();
  if (cleanNote === undefined || cleanNote === '') return { ok: true, value: { cidr } };
  if (cleanNote.length > NOTE_MAX_LENGTH) {
    return { ok: false, message: `the note is longer than ${NOTE_MAX_LENGTH} characters` };
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(cleanNote)) return { ok: false, message: 'the note must be one line of text' };
  return { ok: true, value: { cidr, note: cleanNote } };
}

/** Validates a list name (a named list's; a user's own list is named by the canonical username). */
export function parseListName(name: string): Parsed<string> {
  return LIST_NAME.test(name)
    ? { ok: true, value: name }
    : { ok: false, message: `"${name}" is not a list name (letters, digits, "_", "." and "-", up to 64)` };
}

function addressText(value: bigint, family: 'ipv4' | 'ipv6'): string {
  if (family === 'ipv4') {
    return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 255n)).join('.');
  }
  const hex = value.toString(16).padStart(32, '0');
  const groups = hex.match(/.{4}/g) as string[];
  return (parseAddress(groups.join(':')) as NonNullable<ReturnType<typeof parseAddress>>).toString();
}

/** Adds an entry (replacing the note of the same range); the result is a new array. */
export function withEntry(entries: readonly AllowlistEntry[], entry: AllowlistEntry): AllowlistEntry[] {
  return [...entries.filter((existing) => existing.cidr !== entry.cidr), entry];
}

/** Removes the entry of that range (canonical text), if present; the result is a new array. */
export function withoutEntry(entries: readonly AllowlistEntry[], cidr: string): AllowlistEntry[] {
  return entries.filter((existing) => existing.cidr !== cidr);
}

/**
 * The data after one change, as every editor must leave it: what the admin page judges a
 * change by before saving it, and what the YAML editor checks its edited file against.
 * Removing from a list that does not exist changes nothing (no empty list appears).
 */
export function withChange(data: AllowlistData, target: AllowlistTarget, change: AllowlistChange): AllowlistData {
  const group = target.kind === 'list' ? 'lists' : 'users';
  const current = data[group][target.name];
  if (change.kind === 'remove' && current === undefined) return data;
  const next =
    change.kind === 'add' ? withEntry(current ?? [], change.entry) : withoutEntry(current ?? [], change.cidr);
  return { ...data, [group]: { ...data[group], [target.name]: next } };
}

/**
 * The data with each user's own list under the canonical username (the login's rules), so that
 * "Bob" in a file is the bob who logs in; lists of names that canonicalise alike are merged.
 */
export function withCanonicalUsers(data: AllowlistData, canonical: (name: string) => string): AllowlistData {
  const users: Record<string, AllowlistEntry[]> = {};
  for (const [name, entries] of Object.entries(data.users)) {
    const key = canonical(name);
    users[key] = (users[key] ?? []).concat(entries);
  }
  return { lists: data.lists, users };
}

/** The lists compiled for lookups; built once per change, read on every request. */
export interface CompiledAllowlists {
  readonly lists: ReadonlyMap<string, IpMatcher>;
  readonly users: ReadonlyMap<string, IpMatcher>;
}

/** Compiles validated data (throws on an entry that does not parse: validation happens at the edit). */
export function compileAllowlists(data: AllowlistData): CompiledAllowlists {
  const compile = (record: Readonly<Record<string, readonly AllowlistEntry[]>>) =>
    new Map(Object.entries(record).map(([name, entries]) => [name, createIpMatcher(entries.map((e) => e.cidr))]));
  return Object.freeze({ lists: compile(data.lists), users: compile(data.users) });
}
