// Owns editing the allowlists kept in gateway.yaml (allowlists.source: yaml): the change is
// spliced into the file's text (yaml-text.ts, so comments and layout survive), the whole
// resulting file must load with the gateway's own loader before anything is written (a file
// that would not load is never written), and the file is replaced atomically with its mode
// and owner kept. A running gateway watches the file's folder and applies the new lists on
// the rename (config/source.ts).

import { constants } from 'node:fs';
import { access, readFile, realpath, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import {
  type AllowlistChange,
  type AllowlistData,
  type AllowlistEntry,
  type AllowlistTarget,
  parseEntry,
  withCanonicalUsers,
  withChange,
} from '../config/allowlist-data.js';
import { formatConfigError, loadConfigFile, parseConfig } from '../config/load.js';
import { writeFileAtomic } from '../store/atomic-file.js';
import { type AllowlistEditor, AllowlistEditRefusedError } from './editor.js';
import { editAllowlistText } from './yaml-text.js';

export interface YamlAllowlistEditorOptions {
  /** The gateway's configuration file. */
  readonly file: string;
  /** The login's canonical form of a username, so that a user's list written "Bob:" is bob's. */
  readonly canonicalUser?: (name: string) => string;
}

/** Another writer that changes the file between our read and our write makes us start again, this often. */
const ATTEMPTS = 3;

const refused = (message: string) => new AllowlistEditRefusedError(message);

/**
 * The edits under way in this process, per file (resolved path): one at a time, each reading
 * what the previous one wrote, however many editors this process made (the admin page's and
 * a CLI's in tests, say). Other processes are handled by the re-read before the rename.
 */
const queues = new Map<string, Promise<unknown>>();

function oneAtATime<T>(file: string, task: () => Promise<T>): Promise<T> {
  const run = (queues.get(file) ?? Promise.resolve()).then(task, task);
  const tail = run.catch(() => undefined);
  queues.set(file, tail);
  // The last edit of a file forgets its queue, so that the map does not grow with every file ever edited.
  void tail.then(() => {
    if (queues.get(file) === tail) queues.delete(file);
  });
  return run;
}

/** Equal as lists of entries, whatever the order inside a list. */
function sameData(a: AllowlistData, b: AllowlistData): boolean {
  const canonical = (data: AllowlistData) =>
    JSON.stringify(
      (['lists', 'users'] as const).map((group) =>
        Object.entries(data[group])
          .map(([name, entries]) => [name, entries.map((e) => JSON.stringify([e.cidr, e.note ?? null])).sort()])
          .sort(([x], [y]) => String(x).localeCompare(String(y))),
      ),
    );
  return canonical(a) === canonical(b);
}

/** The editor over gateway.yaml. */
export function createYamlAllowlistEditor(options: YamlAllowlistEditorOptions): AllowlistEditor {
  const file = resolve(options.file);
  const canonical = options.canonicalUser ?? ((name: string) => name);

  async function load() {
    const result = await loadConfigFile(file);
    if (!result.ok) {
      throw refused(`${file} does not load as it stands: ${result.errors.map(formatConfigError).join('; ')}`);
    }
    return { text: result.source, data: result.config.allowlists };
  }

  async function readOnlyReason(): Promise<string | undefined> {
    let real: string;
    try {
      real = await realpath(file);
    } catch (error) {
      return `${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`;
    }
    // A file or folder without any write permission is read-only by intent, even for root.
    const places: Array<[string, string]> = [
      [real, `${file} is read-only`],
      [dirname(real), `its folder ${dirname(real)} is read-only, and the file is replaced by a rename in it`],
    ];
    for (const [place, reason] of places) {
      try {
        const info = await stat(place);
        if ((info.mode & 0o222) === 0) return `${reason} (mode ${(info.mode & 0o777).toString(8)})`;
        await access(place, constants.W_OK);
      } catch (error) {
        return `${reason} to this process (${(error as NodeJS.ErrnoException).code ?? 'error'})`;
      }
    }
    return undefined;
  }

  /** Applies one change; false when the file already said so (nothing written). */
  async function apply(target: AllowlistTarget, change: AllowlistChange): Promise<boolean> {
    const readOnly = await readOnlyReason();
    if (readOnly) throw refused(readOnly);
    const real = await realpath(file);
    const sameUser = (key: string) => key === target.name || canonical(key) === target.name;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const before = await load();
      const edited = editAllowlistText(before.text, target, change, sameUser);
      if (!edited.ok) throw refused(edited.message);
      if (edited.value.text === before.text) return false;
      const after = await parseConfig(edited.value.text);
      if (!after.ok) {
        throw refused(`the file would not load after this change: ${after.errors.map(formatConfigError).join('; ')}`);
      }
      // The splice must mean exactly the change, to the lists as the gateway reads them (users'
      // lists merged under their canonical names): anything else is a layout this editor misread.
      const expected = withChange(withCanonicalUsers(before.data, canonical), target, change);
      if (!sameData(withCanonicalUsers(after.config.allowlists, canonical), expected)) {
        throw refused(`${file} is laid out in a way this editor cannot change safely: edit it by hand`);
      }
      const info = await stat(real);
      const owner = process.getuid?.() === 0 ? { uid: info.uid, gid: info.gid } : undefined;
      // Someone else (the CLI, a text editor) may have written in the meantime: checked once our
      // file is on disk, right before the rename, and if so we start again from their text.
      const unchanged = async () => (await readFile(real, 'utf8')) === before.text;
      if (await writeFileAtomic(real, edited.value.text, info.mode & 0o7777, { owner, beforeRename: unchanged })) {
        return true;
      }
    }
    throw refused(`${file} kept changing while it was edited: try again`);
  }

  return {
    source: 'yaml',
    read: async () => (await load()).data,
    add: (target: AllowlistTarget, entry: AllowlistEntry) =>
      oneAtATime(file, async () => {
        const parsed = parseEntry(entry.cidr, entry.note);
        if (!parsed.ok) throw refused(parsed.message);
        await apply(target, { kind: 'add', entry: parsed.value });
      }),
    remove: (target: AllowlistTarget, cidr: string) =>
      oneAtATime(file, async () => {
        const parsed = parseEntry(cidr);
        return parsed.ok && apply(target, { kind: 'remove', cidr: parsed.value.cidr });
      }),
    readOnlyReason,
    close: async () => undefined,
  };
}
