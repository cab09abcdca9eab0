// Owns which editor changes the allowlists of a configuration: the YAML editor on the
// gateway's configuration file (allowlists.source: yaml), or the Redis editor shared by every
// gateway (source: redis). A configuration that came from no file cannot be edited: its
// editor only reads, and says why.

import type { GatewayConfig } from '../config/schema.js';
import type { RedisStoreSettings } from '../store/index.js';
import { type AllowlistEditor, AllowlistEditRefusedError } from './editor.js';
import { createRedisAllowlistEditor } from './redis-lists.js';
import { createYamlAllowlistEditor } from './yaml-editor.js';

export interface AllowlistEditorOptions {
  /** The configuration file in force; undefined when the configuration came from no file. */
  readonly file: string | undefined;
  /** The login's canonical form of a username (a YAML user list written "Bob" is bob's). */
  readonly canonicalUser?: (name: string) => string;
}

/** The editor for this configuration's allowlists; close() it after use. */
export function createAllowlistEditor(
  config: Readonly<GatewayConfig>,
  options: AllowlistEditorOptions,
): AllowlistEditor {
  if (config.allowlists.source === 'redis') {
    // The schema allows source redis only with a Redis store.
    return createRedisAllowlistEditor(config.store as RedisStoreSettings);
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
