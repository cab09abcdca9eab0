// Owns turning gateway.yaml text into a validated, frozen configuration, or into the
// complete list of what is wrong with it, each error with its YAML path and line.

import { access, constants, readFile } from 'node:fs/promises';
import { type Document, isMap, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { expandEnvReferences } from './env-references.js';
import { configSchema, type GatewayConfig } from './schema.js';

export interface ConfigError {
  /** Dotted YAML path, e.g. "upstream.timeouts.connect"; "" for the document itself. */
  path: string;
  message: string;
  line?: number;
}

export type LoadResult =
  | { ok: true; config: Readonly<GatewayConfig>; source: string }
  | { ok: false; errors: ConfigError[]; source: string };

/** Renders an error as "path: message (line N)", the form check-config and the reload log print. */
export function formatConfigError(error: ConfigError): string {
  const where = error.line === undefined ? '' : ` (line ${error.line})`;
  return `${error.path || '(document)'}: ${error.message}${where}`;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** The line of the deepest YAML node that exists along path (a missing key points at its parent). */
function lineOf(doc: Document, lines: LineCounter, path: readonly PropertyKey[]): number | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth) as unknown[], true) as { range?: [number, number, number] } | undefined;
    if (node?.range) return lines.linePos(node.range[0]).line;
  }
  return undefined;
}

function issueErrors(doc: Document, lines: LineCounter, issue: z.core.$ZodIssue): ConfigError[] {
  const base = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      path: [...base, key].join('.'),
      message: 'unknown key',
      line: lineOf(doc, lines, [...issue.path, key]),
    }));
  }
  const missing = issue.code === 'invalid_type' && !doc.hasIn(issue.path as unknown[]);
  const message = missing ? 'is required' : issue.message.replace(/^Invalid input: /, '');
  return [{ path: base.join('.'), message, line: lineOf(doc, lines, issue.path) }];
}

/** The paths of gateway.yaml that name a file the gateway must be able to read. */
const FILE_PATHS = [
  ['listen', 'tls', 'cert_file'],
  ['listen', 'tls', 'key_file'],
];

/**
 * Checks the files the configuration names, so that a bad path is a config error, not a crash
 * at start. It reads the document rather than the validated result, so that a missing file is
 * reported together with the schema's errors, not only once they are fixed.
 */
async function fileErrors(doc: Document, lines: LineCounter): Promise<ConfigError[]> {
  const errors: ConfigError[] = [];
  for (const path of FILE_PATHS) {
    const file = doc.getIn(path);
    // Anything but a non-empty string is the schema's to report.
    if (typeof file !== 'string' || file === '') continue;
    try {
      await access(file, constants.R_OK);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      errors.push({ path: path.join('.'), message: `cannot read ${file} (${code})`, line: lineOf(doc, lines, path) });
    }
  }
  return errors;
}

/**
 * Validates YAML text, with `${NAME}` in string values taken from `env`; file paths named
 * inside are resolved against the process's working directory.
 */
export async function parseConfig(
  source: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<LoadResult> {
  const lines = new LineCounter();
  const doc = parseDocument(source, { lineCounter: lines, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      source,
      errors: doc.errors.map((e) => ({
        path: '',
        message: (e.message.split(/ at line \d+/)[0] ?? e.code).trim(),
        line: e.linePos?.[0].line,
      })),
    };
  }
  if (doc.contents !== null && !isMap(doc.contents)) {
    return { ok: false, source, errors: [{ path: '', message: 'must be a YAML mapping of sections', line: 1 }] };
  }
  const envErrors = expandEnvReferences(doc, lines, env);
  const parsed = configSchema.safeParse(doc.toJS() ?? {});
  const errors = parsed.success ? [] : parsed.error.issues.flatMap((issue) => issueErrors(doc, lines, issue));
  errors.push(...envErrors);
  errors.push(...(await fileErrors(doc, lines)));
  if (!parsed.success || errors.length > 0) {
    errors.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    return { ok: false, source, errors };
  }
  return { ok: true, source, config: deepFreeze(parsed.data) };
}

/** Reads and validates a configuration file; an unreadable file is one error, not an exception. */
export async function loadConfigFile(
  file: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<LoadResult> {
  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    return { ok: false, source: '', errors: [{ path: '', message: `cannot read ${file} (${code})` }] };
  }
  return parseConfig(source, env);
}
