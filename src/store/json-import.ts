// Owns the one-time move from the JSON file store of earlier versions to LMDB: at start-up, a
// store.json found beside the LMDB file is read, its live entries written in one transaction
// with a marker naming the file's digest, and the file renamed to a backup. The marker makes it
// once: a crash between the commit and the rename finds the same file and only renames it; a
// different file appearing later is left untouched (importing it would overwrite newer state).

import { createHash } from 'node:crypto';
import { readFile, rename } from 'node:fs/promises';
import { parseEntries } from './file-format.js';
import type { LmdbStore } from './lmdb.js';

const MARKER = 'imported-json';

export type JsonImport =
  | { readonly outcome: 'imported'; readonly entries: number; readonly backup: string }
  /** A file was imported before (a different one, or this one by a run that stopped before renaming it). */
  | { readonly outcome: 'already-imported'; readonly backup?: string };

/** The JSON store file that an LMDB store at `path` imports: the same name with .json. */
export function jsonStorePathOf(path: string): string {
  return `${path.replace(/\.[^./\\]*$/, '')}.json`;
}

/**
 * Imports the JSON store at `jsonPath` into `store` once; undefined when there is none. A
 * damaged file is an error and stays where it is (never a silent reset).
 */
export async function importJsonStore(
  store: LmdbStore,
  jsonPath: string,
  now: () => number = Date.now,
): Promise<JsonImport | undefined> {
  let text: string;
  try {
    text = await readFile(jsonPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let entries: ReturnType<typeof parseEntries>;
  try {
    entries = parseEntries(text);
  } catch (error) {
    throw new Error(
      `the store file ${jsonPath} cannot be imported: ${(error as Error).message}. It was left untouched; ` +
        'restore it from a backup, or move it away to start without its state (every enrollment in it is lost).',
      { cause: error },
    );
  }
  const digest = createHash('sha256').update(text).digest('hex');
  const at = now();
  const imported = await store.transaction(() => {
    const marker = store.meta.get(MARKER) as { digest?: string } | undefined;
    if (marker) return marker.digest === digest ? 'same' : 'other';
    let count = 0;
    for (const [key, entry] of entries) {
      if (entry.expiresAt !== undefined && entry.expiresAt <= at) continue;
      store.writeEntry(key, entry);
      count += 1;
    }
    store.meta.putSync(MARKER, { digest, from: jsonPath, at: new Date(at).toISOString(), entries: count });
    return count;
  });
  if (imported === 'other') return { outcome: 'already-imported' };
  const backup = `${jsonPath}.imported-${new Date(at).toISOString().replace(/[:.]/g, '-')}`;
  try {
    await rename(jsonPath, backup);
  } catch (error) {
    // Another process starting at the same moment imported or renamed it first.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return imported === 'same'
    ? { outcome: 'already-imported', backup }
    : { outcome: 'imported', entries: imported, backup };
}
