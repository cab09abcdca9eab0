// Owns reading the JSON file store of earlier versions (json-import.ts moves it into LMDB): one
// document listing the live entries with their absolute expiry times (milliseconds since the
// epoch), tagged with a format name and a version, so that an unrelated JSON file is refused.

import { z } from 'zod';
import type { Entry } from './keyspace.js';

const FORMAT = 'login-security-gateway/store';
const VERSION = 1;

const expiresAt = z.number().int().positive().optional();
const fileSchema = z.strictObject({
  format: z.literal(FORMAT),
  version: z.literal(VERSION),
  // A list rather than an object keyed by key: keys such as "__proto__" stay ordinary data.
  entries: z.array(
    z.union([
      z.strictObject({ key: z.string(), value: z.string(), expiresAt }),
      z.strictObject({ key: z.string(), members: z.array(z.string()).min(1), expiresAt }),
    ]),
  ),
});

/** The entries of a document; throws an Error saying what is wrong when it is not one. */
export function parseEntries(text: string): Array<[string, Entry]> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`it is not valid JSON (${(error as Error).message})`);
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`it is not a store file (${issue?.path.join('.') || 'document'}: ${issue?.message})`);
  }
  const entries = new Map<string, Entry>();
  for (const item of parsed.data.entries) {
    if (entries.has(item.key)) throw new Error(`it lists the key ${JSON.stringify(item.key)} twice`);
    entries.set(
      item.key,
      'value' in item
        ? { kind: 'value', value: item.value, expiresAt: item.expiresAt }
        : { kind: 'set', members: new Set(item.members), expiresAt: item.expiresAt },
    );
  }
  return [...entries];
}
