// Owns how store keys become LMDB keys. A record's key is the store key's UTF-8 bytes (binary
// keys, so that any string fits, NUL included), or a digest when longer than LMDB takes (1,978
// bytes at most). A set member is a record of its own in the members database, under its set's
// key (length-prefixed, so that one set's range never runs into another's) and its own bytes:
// adding to or removing from a set of 100,000 members touches one small record.

import { createHash } from 'node:crypto';

/** Keys and members longer than this (in UTF-8 bytes) are stored by digest. */
const MAX_PLAIN_BYTES = 900;
/** 0xff never occurs in UTF-8, so a digest cannot collide with plain bytes. */
const DIGEST_MARK = 0xff;

function bytesOf(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= MAX_PLAIN_BYTES) return bytes;
  return Buffer.concat([Buffer.of(DIGEST_MARK), createHash('sha256').update(bytes).digest()]);
}

/** The LMDB key of a store key's record. */
export function keyOf(key: string): Buffer {
  return bytesOf(key);
}

/** The prefix every member key of the set whose record is under `recordKey` starts with. */
export function setPrefixOf(recordKey: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(recordKey.length);
  return Buffer.concat([length, recordKey]);
}

/** The LMDB key of one member of the set whose record is under `recordKey` (the member itself is the value). */
export function memberKeyOf(recordKey: Buffer, member: string): Buffer {
  return Buffer.concat([setPrefixOf(recordKey), bytesOf(member)]);
}

/**
 * The key of a record's entry in the expiry index: its expiry time (8 bytes, big-endian, so that
 * byte order is time order) then its record key. The sweep reads the index up to now.
 */
export function expiryKeyOf(expiresAt: number, recordKey: Buffer): Buffer {
  const time = Buffer.alloc(8);
  time.writeBigUInt64BE(BigInt(Math.max(0, expiresAt)));
  return Buffer.concat([time, recordKey]);
}

/** The record key inside an expiry index key. */
export function recordKeyOfExpiry(expiryKey: Buffer): Buffer {
  return expiryKey.subarray(8);
}
