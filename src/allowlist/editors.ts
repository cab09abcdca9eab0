// Owns which editor changes the allowlists of a configuration: the YAML editor on the
// gateway's configuration file (allowlists.source: yaml), or the Redis editor shared by every
// gateway (source: redis). A configuration that came from no file cannot be edited: its
// editor only reads, and says why. A running gateway keeps one editor (the admin page's) for
// as long as the lists stay where they are, rather than one per request.

import { isDeepStrictEqual } from 'node:util';
import type { GatewayConfig } from '../config/schema.js';
import type { RedisStoreSettings } from '../store/index.js';
import { type AllowlistEditor, AllowlistEditRefusedError } from './editor.js';
import { createRedisAllowlistEditor } from './redis-lists.js';
import { createYamlAllowlistEditor } from './yaml-editor.js';

export interface AllowlistEditorOptions {
  /** The configuration file in force; undefined when the configuration came from no file. */
  readonly file: string | undefined;
  /** The login's canonical form of a username (a user list written "Bob" is bob's). */
  readonly canonicalUser?: (name: string) => string;
}

/** The editor for this configuration's allowlists; close() it after use. */
export function createAllowlistEditor(
  config: Readonly<GatewayConfig>,
  options: AllowlistEditorOptions,
): AllowlistEditor {
  if (config.allowlists.source === 'redis') {
    // The schema allows source redis only with a Redis store.
    return createRedisAllowlistEditor(config.store as RedisStoreSettings, { canonicalUser: options.canonicalUser });
  }
  if (options.file !== undefined) {
    return createYamlAllowlistEditor({ file: options.file, canonicalUser: options.canonicalUser });
  }
  const reason = 'the configuration in force was not read from a file, so there is no file to edit';
  const refuse = async (): Promise<never> => {
    throw new AllowlistEditRefusedError(reason);
  };
  return {
    source: 'yaml',
    read: async () => config.allowlists,
    add: refuse,
    remove: refuse,
    readOnlyReason: async () => reason,
    close: async () => undefined,
  };
}

/** One process's editor of the lists in force, kept across requests. */
export interface SharedAllowlistEditor {
  /** The editor for the configuration in force: the same one while the lists stay where they are. */
  current(config: Readonly<GatewayConfig>): AllowlistEditor;
  /** Closes the editor (its Redis connection); at shutdown. */
  close(): Promise<void>;
}

/**
 * Builds the editor at first use and again only when a reload moves the lists (another source,
 * another Redis, another configuration without a file); the one it replaces is closed.
 * Give it a `canonicalUser` that reads the configuration in force, so that a reload's username
 * rules apply at once.
 */
export function createSharedAllowlistEditor(options: AllowlistEditorOptions): SharedAllowlistEditor {
  let kept: { where: unknown; editor: AllowlistEditor } | undefined;
  const whereOf = (config: Readonly<GatewayConfig>) =>
    config.allowlists.source === 'redis'
      ? { source: 'redis', store: config.store }
      : { source: 'yaml', config: options.file === undefined ? config : undefined };
  return {
    current(config) {
      const where = whereOf(config);
      if (kept && isDeepStrictEqual(kept.where, where)) return kept.editor;
      // Edits under way on the old one finish: QUIT lets their replies arrive first.
      void kept?.editor.close().catch(() => undefined);
      kept = { where, editor: createAllowlistEditor(config, options) };
      return kept.editor;
    },
    async close() {
      await kept?.editor.close();
      kept = undefined;
    },
  };
}
