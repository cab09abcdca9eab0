// Owns how store keys become LMDB keys. A record's key is the store key's UTF-8 bytes (binary
// keys, so that any string fits, NUL included), or a digest when longer than LMDB takes (1,978
// bytes at most). A set member is a record of its own in the members database, under its set's
// key (length-prefixed, so that one set's range never runs into another's) and its own bytes:
// adding to or removing from a set of 100,000 members touches one small record. An ordered set's
// member has two records there: one by member (its score, so a remove finds the other) and one
// by score (so a range read from the lowest is a cursor walk of what it answers).

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

/** Under an ordered set's prefix: its records by member, then its records by score. */
const BY_MEMBER = 0x00;
const BY_SCORE = 0x01;

/** The LMDB key of an ordered set member's record by member (its score is the value). */
export function orderedMemberKeyOf(recordKey: Buffer, member: string): Buffer {
  return Buffer.concat([setPrefixOf(recordKey), Buffer.of(BY_MEMBER), bytesOf(member)]);
}

/** The prefix of every record by score of the ordered set whose record is under `recordKey`. */
export function orderedScorePrefixOf(recordKey: Buffer): Buffer {
  return Buffer.concat([setPrefixOf(recordKey), Buffer.of(BY_SCORE)]);
}

/** The LMDB key of an ordered set member's record by score (the member is the value). */
export function orderedScoreKeyOf(recordKey: Buffer, score: number, member: string): Buffer {
  return Buffer.concat([orderedScorePrefixOf(recordKey), scoreBytesOf(score), bytesOf(member)]);
}

/**
 * A score as 8 bytes whose byte order is numeric order: the IEEE 754 double, big-endian, with
 * the sign bit flipped for a positive number and every bit flipped for a negative one.
 */
export function scoreBytesOf(score: number): Buffer {
  const bytes = Buffer.alloc(8);
  // + 0 turns -0 into 0: Redis holds them equal.
  bytes.writeDoubleBE(score + 0);
  if ((bytes[0] as number) & 0x80) for (let i = 0; i < 8; i += 1) bytes[i] = ~(bytes[i] as number) & 0xff;
  else bytes[0] = (bytes[0] as number) | 0x80;
  return bytes;
}
