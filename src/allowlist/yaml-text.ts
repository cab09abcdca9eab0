// Owns changing one allowlist inside the text of gateway.yaml without touching anything else:
// comments, blank lines, quoting and the order of every other key stay byte for byte. The
// yaml Document API finds where the list is (node ranges); the change is spliced into the
// original text as whole lines (an entry added after the last one, at its indentation; a
// removed entry's line taken out), so that a list written by hand keeps its layout. Only a
// flow collection (`[a, b]`, `{}`) is rewritten as a whole. Pure: the caller validates the
// result with the configuration loader and writes it.

import {
  isCollection,
  isMap,
  isPair,
  isScalar,
  isSeq,
  type Node,
  type Pair,
  parseDocument,
  stringify,
  type YAMLMap,
} from 'yaml';
import {
  type AllowlistChange,
  type AllowlistEntry,
  type AllowlistTarget,
  type Parsed,
  parseEntry,
} from '../config/allowlist-data.js';

export interface EditedText {
  /** The new text; the same string when nothing had to change. */
  readonly text: string;
}

interface Splice {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

type Range = [number, number, number];

const SECTION = 'allowlists';

/** An entry as the file writes it: a plain string without a note, { cidr, note } with one. */
function entryValue(entry: AllowlistEntry): string | { cidr: string; note: string } {
  return entry.note === undefined ? entry.cidr : { cidr: entry.cidr, note: entry.note };
}

/** One line of YAML for a value: scalars plain unless they need quotes, collections in flow style. */
function inline(value: unknown): string {
  return stringify(value, { collectionStyle: 'flow', lineWidth: 0 }).trimEnd();
}

function rangeOf(node: Node | null | undefined): Range | undefined {
  return node?.range ?? undefined;
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** The offset just after the line break that ends the line holding `offset` (or the text's end). */
function lineEndAfter(text: string, offset: number): number {
  if (offset > 0 && text[offset - 1] === '\n') return offset;
  const newline = text.indexOf('\n', offset);
  return newline === -1 ? text.length : newline + 1;
}

/**
 * Where a node's content ends: a block collection's range runs on over the comment lines after
 * its last item, which belong to whatever follows as much as to it.
 */
function contentEnd(node: unknown): number | undefined {
  if (isCollection(node) && !node.flow && node.items.length > 0) {
    const last = node.items.at(-1);
    return isPair(last) ? contentEnd(last.value ?? last.key) : contentEnd(last);
  }
  return rangeOf(node as Node)?.[1];
}

/**
 * Where lines at `indent` go after the line that holds `offset`: past the comment lines that
 * follow it indented deeper (they belong to the block above), before anything else.
 */
function insertionPoint(text: string, offset: number, indent: string): number {
  let at = lineEndAfter(text, offset);
  for (;;) {
    const comment = /^( *)#/.exec(text.slice(at));
    if (!comment || (comment[1] as string).length <= indent.length) return at;
    at = lineEndAfter(text, at + 1);
  }
}

/** The indentation before `offset` when only spaces precede it on its line, else undefined. */
function indentBefore(text: string, offset: number): string | undefined {
  const indent = text.slice(lineStart(text, offset), offset);
  return /^ *$/.test(indent) ? indent : undefined;
}

/** The offset just after the ":" that follows a pair's key. */
function colonAfter(text: string, pair: Pair): number | undefined {
  const keyEnd = rangeOf(pair.key as Node)?.[1];
  if (keyEnd === undefined) return undefined;
  const colon = text.indexOf(':', keyEnd);
  return colon !== -1 && /^[ \t]*$/.test(text.slice(keyEnd, colon)) ? colon + 1 : undefined;
}

/** Lines to insert at `offset`, starting a new line when the text there does not end one. */
function insertLines(text: string, offset: number, lines: readonly string[]): Splice {
  const before = offset > 0 && text[offset - 1] !== '\n' ? '\n' : '';
  return { start: offset, end: offset, text: `${before}${lines.join('\n')}\n` };
}

/** The lines of a new nested block: `keys` as mappings, then the one entry as a sequence item. */
function blockLines(indent: string, keys: readonly string[], entry: AllowlistEntry): string[] {
  const lines = keys.map((key, depth) => `${indent}${'  '.repeat(depth)}${inline(key)}:`);
  lines.push(`${indent}${'  '.repeat(keys.length)}- ${inline(entryValue(entry))}`);
  return lines;
}

/** An item of a list as an entry (canonical), if it is a valid one. */
function itemEntry(item: unknown): AllowlistEntry | undefined {
  const json = (item as Node).toJSON() as unknown;
  let parsed: Parsed<AllowlistEntry> | undefined;
  if (typeof json === 'string') parsed = parseEntry(json);
  else if (json && typeof json === 'object') {
    const { cidr, note } = json as { cidr?: unknown; note?: unknown };
    if (typeof cidr === 'string' && (note === undefined || typeof note === 'string')) parsed = parseEntry(cidr, note);
  }
  return parsed?.ok ? parsed.value : undefined;
}

/** The line span of a block sequence item, from its "-" to the end of its last line. */
function itemLines(text: string, item: Node): [number, number] | undefined {
  const range = rangeOf(item);
  if (!range) return undefined;
  let dash = range[0] - 1;
  while (dash >= 0 && text[dash] === ' ') dash--;
  if (text[dash] !== '-' || indentBefore(text, dash) === undefined) return undefined;
  return [lineStart(text, dash), lineEndAfter(text, contentEnd(item) ?? range[1])];
}

/** Changes a list that exists: `seq` is the value of `pair`. */
function editList(text: string, pair: Pair, change: AllowlistChange): Splice[] | undefined {
  const seq = pair.value;
  if (!isSeq(seq)) return undefined;
  const cidr = change.kind === 'add' ? change.entry.cidr : change.cidr;
  const matches = seq.items.filter((item) => itemEntry(item)?.cidr === cidr) as Node[];
  if (change.kind === 'remove' && matches.length === 0) return [];
  if (change.kind === 'add' && matches.length === 1 && itemEntry(matches[0])?.note === change.entry.note) return [];

  if (seq.flow) {
    const range = rangeOf(seq);
    if (!range) return undefined;
    const values = seq.items.filter((item) => !matches.includes(item as Node)).map((item) => (item as Node).toJSON());
    if (change.kind === 'add') values.push(entryValue(change.entry));
    const colon = colonAfter(text, pair);
    const keyIndent = indentBefore(text, rangeOf(pair.key as Node)?.[0] ?? -1);
    // An empty `[]` under a block mapping becomes a block list: one line per entry reads best.
    if (seq.items.length === 0 && values.length === 1 && colon !== undefined && keyIndent !== undefined) {
      return [{ start: colon, end: range[1], text: `\n${keyIndent}  - ${inline(values[0])}` }];
    }
    return [{ start: range[0], end: range[1], text: inline(values) }];
  }

  const splices: Splice[] = [];
  const [first, ...others] = matches;
  if (change.kind === 'add' && first) {
    // The entry is replaced where it is: its trailing comment on the line stays.
    const range = rangeOf(first) as Range;
    const end = contentEnd(first) ?? range[1];
    const valueEnd = range[0] + text.slice(range[0], end).trimEnd().length;
    splices.push({ start: range[0], end: valueEnd, text: inline(entryValue(change.entry)) });
  }
  for (const item of change.kind === 'add' ? others : matches) {
    const lines = itemLines(text, item);
    if (!lines) return undefined;
    splices.push({ start: lines[0], end: lines[1], text: '' });
  }
  if (change.kind === 'add' && !first) {
    const last = seq.items.at(-1) as Node;
    const lines = itemLines(text, last);
    const dash = lines && text.indexOf('-', lines[0]);
    const indent = dash === undefined ? undefined : indentBefore(text, dash);
    if (!lines || indent === undefined) return undefined;
    splices.push(
      insertLines(text, insertionPoint(text, lines[1], indent), [`${indent}- ${inline(entryValue(change.entry))}`]),
    );
  }
  if (change.kind === 'remove' && matches.length === seq.items.length) {
    // An empty block list would read as null, which is not a list: it is written `[]`.
    const colon = colonAfter(text, pair);
    if (colon === undefined) return undefined;
    splices.push({ start: colon, end: colon, text: ' []' });
  }
  return splices;
}

/** Adds the missing `keys` (and the list with its one entry) to `map`, the deepest one that exists. */
function addMissing(
  text: string,
  map: YAMLMap,
  owner: Pair | undefined,
  keys: readonly string[],
  entry: AllowlistEntry,
): Splice[] | undefined {
  const range = rangeOf(map);
  if (!range) return undefined;
  if (!map.flow && map.items.length > 0) {
    const first = map.items[0] as Pair;
    const last = map.items.at(-1) as Pair;
    const indent = indentBefore(text, rangeOf(first.key as Node)?.[0] ?? -1);
    const lastEnd = contentEnd(last.value ?? last.key);
    if (indent === undefined || lastEnd === undefined) return undefined;
    return [insertLines(text, insertionPoint(text, lastEnd, indent), blockLines(indent, keys, entry))];
  }
  const colon = owner && colonAfter(text, owner);
  const keyIndent = owner && indentBefore(text, rangeOf(owner.key as Node)?.[0] ?? -1);
  if (map.items.length === 0 && colon !== undefined && keyIndent !== undefined) {
    // An empty `{}` under a block mapping becomes a block mapping.
    return [{ start: colon, end: range[1], text: `\n${blockLines(`${keyIndent}  `, keys, entry).join('\n')}` }];
  }
  const value = map.toJSON() as Record<string, unknown>;
  let node = value;
  for (const key of keys.slice(0, -1)) {
    node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys.at(-1) as string] = [entryValue(entry)];
  return [{ start: range[0], end: range[1], text: inline(value) }];
}

function keyText(pair: Pair): string | undefined {
  return isScalar(pair.key) && typeof pair.key.value === 'string' ? pair.key.value : undefined;
}

/**
 * Applies one change to one list in gateway.yaml text. `sameUser` tells whether a key of
 * `allowlists.users` names the target user (the login's canonical form), so that "Bob:" in the
 * file is edited for bob rather than a second list added beside it.
 */
export function editAllowlistText(
  text: string,
  target: AllowlistTarget,
  change: AllowlistChange,
  sameUser: (key: string) => boolean = (key) => key === target.name,
): Parsed<EditedText> {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0 || !isMap(doc.contents)) {
    return { ok: false, message: 'the file is not a YAML mapping that can be edited' };
  }
  const group = target.kind === 'list' ? 'lists' : 'users';
  const list = { name: target.name, matches: target.kind === 'list' ? (key: string) => key === target.name : sameUser };
  const path: Array<{ name: string; matches: (key: string) => boolean }> = [
    { name: SECTION, matches: (key) => key === SECTION },
    { name: group, matches: (key) => key === group },
    list,
  ];
  let map: YAMLMap = doc.contents;
  let owner: Pair | undefined;
  for (const [depth, step] of path.entries()) {
    const pair = map.items.find((item) => isPair(item) && step.matches(keyText(item) ?? '')) as Pair | undefined;
    if (!pair) {
      if (change.kind === 'remove') return { ok: true, value: { text } };
      const splices = addMissing(
        text,
        map,
        owner,
        path.slice(depth).map((p) => p.name),
        change.entry,
      );
      return splices ? applied(text, splices) : unsupported(path.slice(0, depth + 1));
    }
    owner = pair;
    if (depth < path.length - 1) {
      if (!isMap(pair.value)) return unsupported(path.slice(0, depth + 1));
      map = pair.value;
    }
  }
  // A user's list may be written under several keys that name one user ("Bob:" and "bob:"),
  // which the gateway merges: the change goes to the first, and the range leaves the others,
  // so that the merged list changes exactly as asked (a removal leaves it nowhere).
  const [found, ...others] = map.items.filter((item) => isPair(item) && list.matches(keyText(item) ?? '')) as Pair[];
  const cidr = change.kind === 'add' ? change.entry.cidr : change.cidr;
  const splices = [
    editList(text, found as Pair, change),
    ...others.map((pair) => editList(text, pair, { kind: 'remove', cidr })),
  ];
  return splices.every((splice) => splice !== undefined)
    ? applied(text, splices.flat() as Splice[])
    : unsupported(path);
}

function applied(text: string, splices: readonly Splice[]): Parsed<EditedText> {
  let out = text;
  for (const splice of [...splices].sort((a, b) => b.start - a.start)) {
    out = out.slice(0, splice.start) + splice.text + out.slice(splice.end);
  }
  return { ok: true, value: { text: out } };
}

function unsupported(path: ReadonlyArray<{ name: string }>): Parsed<EditedText> {
  return {
    ok: false,
    message: `${path.map((p) => p.name).join('.')} is written in a form this editor cannot change safely: edit it by hand`,
  };
}
