// Owns `${NAME}` in gateway.yaml: a string value may name environment variables (a container's
// upstream URL), `${NAME:-fallback}` for one that is unset or empty, and `$${` stands for a
// literal `${`. References are replaced in the parsed document, never in the text, so a
// variable's value is always part of one string and can add no YAML of its own.

import { type Document, isScalar, type LineCounter, visit } from 'yaml';

/** A variable that is not set, where it is named (load.ts reports it as a ConfigError). */
export interface MissingVariable {
  path: string;
  message: string;
  line?: number;
}

const REFERENCE = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Replaces the references in the document's string values; an unset variable without a fallback is an error at its path. */
export function expandEnvReferences(
  doc: Document,
  lines: LineCounter,
  env: Readonly<Record<string, string | undefined>>,
): MissingVariable[] {
  const errors: MissingVariable[] = [];
  visit(doc, {
    Scalar(key, node, path) {
      // Keys stay as written: only values take variables.
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('${')) return;
      node.value = node.value.replace(REFERENCE, (_whole, escaped: string, name: string, fallback?: string) => {
        if (escaped) return `\${${name}${fallback === undefined ? '' : `:-${fallback}`}}`;
        const value = env[name];
        if (value !== undefined && value !== '') return value;
        if (fallback !== undefined) return fallback;
        errors.push({
          path: pathOf(path, node),
          message: `names the environment variable ${name}, which is not set`,
          line: node.range ? lines.linePos(node.range[0]).line : undefined,
        });
        return '';
      });
    },
  });
  return errors;
}

/** The dotted path of a value node from the ancestors `visit` gives (map pairs and sequence items). */
function pathOf(ancestors: readonly unknown[], node: unknown): string {
  const parts: string[] = [];
  const chain = [...ancestors, node];
  for (let i = 0; i < chain.length; i++) {
    const item = chain[i] as { key?: unknown; items?: unknown[] };
    if (item && typeof item === 'object' && 'key' in item && 'value' in item) {
      parts.push(String(isScalar(item.key) ? item.key.value : item.key));
    } else if (Array.isArray(item?.items) && i + 1 < chain.length) {
      const index = item.items.indexOf(chain[i + 1]);
      if (index >= 0 && !('key' in (chain[i + 1] as object))) parts.push(String(index));
    }
  }
  return parts.join('.');
}
