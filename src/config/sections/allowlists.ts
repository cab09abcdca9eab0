// Owns the `allowlists` section: where the staff allowlists are kept and, for the YAML source,
// the lists themselves. Entries are validated by the allowlist model (the same check the CLI
// and the admin page apply), so a file entry that does not parse is an error at its line.

import { z } from 'zod';
import { type AllowlistEntry, parseEntry, parseListName } from '../allowlist-data.js';

/** An entry: "192.0.2.7" or { cidr: "10.0.0.0/8", note: "office" }; both read as { cidr, note }. */
const entry = z
  .union([z.string(), z.strictObject({ cidr: z.string(), note: z.string().optional() })])
  .transform((written, ctx): AllowlistEntry => {
    const parsed = typeof written === 'string' ? parseEntry(written) : parseEntry(written.cidr, written.note);
    if (parsed.ok) return parsed.value;
    ctx.addIssue({ code: 'custom', message: parsed.message });
    return z.NEVER;
  })
  .meta({ type: 'IP, CIDR or { cidr, note }' });

const entries = z.array(entry);

export const allowlistsSchema = z
  .strictObject({
    source: z
      .enum(['yaml', 'redis'])
      .default('yaml')
      .describe(
        'yaml: the lists below, reloaded with this file; redis: kept in the Redis store (store.type: redis), shared and edited live by every gateway.',
      ),
    lists: z
      .record(z.string().superRefine(nameCheck), entries)
      .default({})
      .describe('Named lists (source: yaml), each a list of addresses or CIDR ranges with optional notes.'),
    users: z
      .record(z.string().min(1), entries)
      .default({})
      .describe("Per-user lists (source: yaml), allowed in addition to the list of the user's role."),
  })
  .prefault({})
  .describe(
    'Staff IP allowlists (S3): a role bound to a list by `policy` may log in and work only from its addresses.',
  );

function nameCheck(name: string, ctx: z.RefinementCtx): void {
  const parsed = parseListName(name);
  if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.message });
}
