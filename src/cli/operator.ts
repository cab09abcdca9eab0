// Owns what the operator commands (`gateway users`, `gateway sessions`) share with `gateway
// start`: the same gateway.yaml, the store and keys built as the gateway builds them
// (create-services.ts: records and TOTP secrets are sealed, so the keys must be the
// gateway's), usernames canonicalised as the login canonicalises them, one audit line per
// change on stderr and one human line on stdout.

import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import pino from 'pino';
import { loadConfigFile } from '../config/load.js';
import { compileConfig, type RuntimeConfig } from '../config/runtime.js';
import type { GatewayConfig } from '../config/schema.js';
import type { LoginSettings } from '../config/sections/login.js';
import { ConfigInvalidError } from '../config/source.js';
import { canonicalUsername, type UsernameRules, usernameRulesOf } from '../config/username.js';
import { createUserState, type UserState } from '../create-services.js';
import { auditOutboxKey } from '../factors/user-keys.js';
import type { AuditEvent } from '../ops/audit.js';
import { authoredAudit, authoredLines } from '../ops/audit-author.js';
import { createAuditOutbox } from '../ops/audit-outbox.js';
import { type AuditTrail, createAuditTrail, keepAuditTrail } from '../ops/audit-trail.js';
import { createLogger, type Logger } from '../ops/logger.js';
import { AdminRefusedError, trustedBrowsersAdmin, type UserAdmin } from '../session/user-admin.js';
import { StoreUnavailableError } from '../store/store.js';
import { CommandError } from './command.js';

/** An operator's command: the user state as the gateway opens it, and the shared changes' view of it (session/user-admin.ts). */
export interface Operator extends UserAdmin {
  readonly config: Readonly<GatewayConfig>;
  readonly runtime: RuntimeConfig;
  readonly state: UserState;
  /** The canonical form of a username given on the command line, as the login reads it. */
  user(raw: string): string;
  /** One audit line on stderr, marked as an operator's change. */
  audit(event: AuditEvent, facts: Record<string, unknown>): void;
  /** The human result on stdout. */
  print(line: string): void;
}

/** A shared change's refusal, as the command's: one line on standard error, exit 1. */
export async function refusalsAsErrors<T>(change: Promise<T>): Promise<T> {
  try {
    return await change;
  } catch (error) {
    if (error instanceof AdminRefusedError) throw new CommandError(error.message, { cause: error });
    throw error;
  }
}

/** Who ran the command, for the audit line; a container user without a passwd entry is named by uid. */
function operatorName(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? 'unknown'}`;
  }
}

/** The configuration as `gateway start` reads it, when it has what the operator commands need. */
async function loadConfig(file: string): Promise<{ runtime: RuntimeConfig; login: LoginSettings }> {
  const result = await loadConfigFile(file);
  if (!result.ok) throw new ConfigInvalidError(resolve(file), result.errors);
  const { config } = result;
  if (!config.login) {
    throw new CommandError(`${file} has no login section: users and sessions exist only when the gateway has one`);
  }
  if (config.store.type === 'memory') {
    throw new CommandError(
      `${file} uses the memory store, which lives inside the gateway process: a command cannot reach it (use lmdb or redis)`,
    );
  }
  return { runtime: compileConfig(config), login: config.login };
}

/** The canonical form of a username given on the command line, as the login reads it; refused when the login would refuse it. */
export function operatorUsername(raw: string, rules: UsernameRules): string {
  const user = canonicalUsername(raw, rules);
  if (user === undefined) {
    throw new CommandError(
      `${JSON.stringify(raw)} is not a username the login accepts (empty, too long or invisible characters)`,
    );
  }
  return user;
}

/** The logger of the operator's audit lines, on stderr; with a trail, they join the recent-audit trail the admin console shows too. */
function operatorAuditLogger(trail?: AuditTrail): Logger {
  // Synchronous, so that every audit line is written before the process exits.
  const logger = createLogger({ level: 'info', destination: pino.destination({ dest: 2, sync: true }) });
  if (trail) keepAuditTrail(logger, trail);
  return logger;
}

/** What marks an audit line as an operator's change. */
const operatorFacts = () => ({ by: 'cli', operator: operatorName() });

/** One audit line per change on stderr, marked as an operator's change (and in the trail, when given). */
export function createOperatorAudit(trail?: AuditTrail): Operator['audit'] {
  return authoredLines(operatorFacts(), operatorAuditLogger(trail));
}

/** Opens the gateway's state from the configuration `file`, runs `command` on it and closes it again. */
export async function withOperator(file: string, command: (operator: Operator) => Promise<void>): Promise<void> {
  const { runtime, login } = await loadConfig(file);
  const { config } = runtime;
  let state: UserState;
  try {
    state = await createUserState(() => config, Date.now, { generateKeys: false });
  } catch (error) {
    // Missing keys, or a store that cannot be opened (a damaged JSON store to import, an unreachable Redis).
    throw new CommandError(`cannot open the gateway's state: ${(error as Error).message}`, { cause: error });
  }
  const rules = usernameRulesOf(login.username);
  const trail = createAuditTrail(state.store, Date.now);
  const auditLogger = operatorAuditLogger(trail);
  // The gateway's outbox path: an operator's reset carries its audit event in its atomic write.
  const outbox = createAuditOutbox({ store: state.store, logger: auditLogger, now: Date.now, keyOf: auditOutboxKey });
  const operator: Operator = {
    config,
    runtime,
    roles: runtime.roles,
    state,
    factors: [state.totp, state.passkeys, state.questions],
    trustedBrowsers: trustedBrowsersAdmin(state.trusted),
    user: (raw) => operatorUsername(raw, rules),
    ...authoredAudit(operatorFacts(), auditLogger, outbox),
    print: (line) => process.stdout.write(`${line}\n`),
  };
  try {
    await command(operator);
  } catch (error) {
    if (error instanceof StoreUnavailableError) {
      throw new CommandError(`the store is unavailable: ${error.message}`, { cause: error });
    }
    throw error;
  } finally {
    await trail.settled();
    await state.store.close();
  }
}
