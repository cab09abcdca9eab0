// Owns the configuration in force: loaded at start, re-read when the file changes and has
// stopped changing, and swapped only for a version that validates; an invalid edit is
// reported and ignored, and what would weaken protection waits for a restart (reload-guard.ts).

import { type FSWatcher, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../ops/logger.js';
import { type ConfigError, formatConfigError, loadConfigFile, parseConfig } from './load.js';
import { guardReload, type HeldBack } from './reload-guard.js';
import { compileConfig, type RuntimeConfig } from './runtime.js';
import type { GatewayConfig } from './schema.js';

export interface ConfigSource {
  /** The configuration for the next request. */
  current(): RuntimeConfig;
  /** Whether the file on disk is the one in force (false after an invalid edit). */
  readonly fileValid: boolean;
  /** What the file on disk changes that applies only at the next restart (empty when nothing). */
  readonly heldBack: readonly HeldBack[];
  /** The file the configuration is read from (absolute); undefined for a fixed configuration. */
  readonly file?: string;
  /** Called after a valid new configuration took effect. */
  onChange(listener: (next: RuntimeConfig, previous: RuntimeConfig) => void): void;
  /** Called after an edit that does not validate was refused (the last valid configuration stays). */
  onRejected(listener: () => void): void;
  /** Re-reads the file now (the watcher calls this; tests and SIGHUP may too). */
  reload(): Promise<void>;
  close(): void;
}

export class ConfigInvalidError extends Error {
  constructor(
    readonly file: string,
    readonly errors: ConfigError[],
  ) {
    super(`${file} is not a valid configuration:\n${errors.map((e) => `  ${formatConfigError(e)}`).join('\n')}`);
  }
}

/** A fixed configuration (tests, embedding). */
export function createStaticConfigSource(config: Readonly<GatewayConfig>): ConfigSource {
  const runtime = compileConfig(config);
  return {
    current: () => runtime,
    fileValid: true,
    heldBack: [],
    onChange() {},
    onRejected() {},
    async reload() {},
    close() {},
  };
}

// Editors and orchestrators replace a file by rename (and Kubernetes swaps a symlinked
// folder), which a watch on the file itself misses: the folder is watched, any event there
// triggers a re-read, and content that did not change is ignored. A slow poll heals what
// the watcher misses (network file systems).
const DEBOUNCE_MS = 50;
const POLL_MS = 5_000;
// A file written in parts (a deploy tool, an editor saving in place) is read only once two
// reads this far apart agree, at most a few times over; the reload guard covers the rest.
const SETTLE_MS = 250;
const SETTLE_READS = 8;

/** The file's text once it has stopped changing (or after SETTLE_READS reads); undefined when unreadable. */
async function readSettled(path: string): Promise<string | undefined> {
  const read = () => readFile(path, 'utf8').catch(() => undefined);
  let text = await read();
  for (let i = 0; i < SETTLE_READS; i++) {
    await sleep(SETTLE_MS);
    const again = await read();
    if (again === text) break;
    text = again;
  }
  return text;
}

export interface FileConfigOptions {
  /**
   * What the command line sets over the file (the demo's ports), applied to every version of
   * it read, so that a reload keeps it.
   */
  adjust?(config: Readonly<GatewayConfig>): Readonly<GatewayConfig>;
}

/** Loads the file (throwing ConfigInvalidError when it does not validate) and watches it. */
export async function createFileConfigSource(
  file: string,
  logger: Logger,
  options: FileConfigOptions = {},
): Promise<ConfigSource> {
  const adjust = options.adjust ?? ((config: Readonly<GatewayConfig>) => config);
  const path = resolve(file);
  const first = await loadConfigFile(path);
  if (!first.ok) throw new ConfigInvalidError(path, first.errors);
  let runtime = compileConfig(adjust(first.config));
  let source = first.source;
  let fileValid = true;
  let heldBack: HeldBack[] = [];
  const listeners: Array<(next: RuntimeConfig, previous: RuntimeConfig) => void> = [];
  const rejectedListeners: Array<() => void> = [];
  let timer: NodeJS.Timeout | undefined;
  let reloading: Promise<void> = Promise.resolve();

  async function reloadNow(): Promise<void> {
    const quick = await readFile(path, 'utf8').catch(() => undefined);
    if (quick === source) return;
    const text = await readSettled(path);
    const result = text === undefined ? await loadConfigFile(path) : await parseConfig(text);
    if (result.source === source) return;
    source = result.source;
    if (!result.ok) {
      fileValid = false;
      logger.error(
        { event: 'config.rejected', file: path, errors: result.errors.map(formatConfigError) },
        'configuration edit refused; the last valid configuration stays in force',
      );
      for (const listener of rejectedListeners) listener();
      return;
    }
    const previous = runtime;
    const guarded = guardReload(previous.config, adjust(result.config));
    heldBack = guarded.heldBack;
    runtime = compileConfig(guarded.config);
    fileValid = true;
    logger.info({ event: 'config.reloaded', file: path }, 'configuration reloaded');
    if (heldBack.length > 0) {
      logger.warn(
        { event: 'config.restart_needed', file: path, held_back: heldBack },
        'parts of this edit would weaken protection: they apply at the next restart, the rest applies now',
      );
    }
    for (const listener of listeners) listener(runtime, previous);
  }

  const reload = () => {
    reloading = reloading.then(reloadNow, reloadNow);
    return reloading;
  };
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(() => void reload(), DEBOUNCE_MS);
  };

  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(path), { persistent: false }, (_event, name) => {
      if (name === null || name === basename(path) || name.startsWith('..')) schedule();
    });
    watcher.on('error', (error) => logger.warn({ event: 'config.watch_failed', err: error }, 'config watch failed'));
  } catch (error) {
    logger.warn({ event: 'config.watch_failed', err: error }, 'cannot watch the configuration; polling only');
  }
  const poll = setInterval(() => void reload(), POLL_MS);
  poll.unref();

  return {
    file: path,
    current: () => runtime,
    get fileValid() {
      return fileValid;
    },
    get heldBack() {
      return heldBack;
    },
    onChange(listener) {
      listeners.push(listener);
    },
    onRejected(listener) {
      rejectedListeners.push(listener);
    },
    reload,
    close() {
      clearTimeout(timer);
      clearInterval(poll);
      watcher?.close();
    },
  };
}
