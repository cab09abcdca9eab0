// Owns building the login layer's services from the configuration at start-up: keys, the
// store, session records, the factors and the guessing limits. The operator CLI builds the
// same user state here (createUserState).

import { createOneAtATime } from './access/one-at-a-time.js';
import { createRegulator, LIMITED } from './access/regulator.js';
import { createRoleResolver } from './access/roles.js';
import type { SharedAllowlistEditor } from './allowlist/editors.js';
import type { AllowlistProvider } from './allowlist/provider.js';
import type { GatewayConfig } from './config/schema.js';
import { relyingParty } from './config/sections/passkeys.js';
import { loadKeys } from './crypto/keys.js';
import { type Argon2Cost, createPasswordHasher } from './crypto/password-hash.js';
import { createSealer } from './crypto/sealing.js';
import { createSigner } from './crypto/signing.js';
import { withLegacyFactorNames } from './factors/legacy-names.js';
import { createPasskeyFactor } from './factors/passkey/passkey-factor.js';
import { createQuestionsFactor } from './factors/questions/questions-factor.js';
import { createRecoveryCodes } from './factors/recovery-codes.js';
import { createTotpFactor } from './factors/totp/totp-factor.js';
import { createTrustedBrowsers } from './factors/trusted-browsers.js';
import { auditOutboxKey } from './factors/user-keys.js';
import { logoutUpstream } from './intercept/upstream-logout.js';
import { createAuditOutbox } from './ops/audit-outbox.js';
import { createAuditTrail, keepAuditTrail } from './ops/audit-trail.js';
import type { Logger } from './ops/logger.js';
import type { Upstream } from './proxy/upstream.js';
import type { WebSocketTracker } from './proxy/websocket-tracker.js';
import { createHeldRequests } from './session/held-requests.js';
import { createSessionRecords } from './session/records.js';
import { createReplayTokens } from './session/replay-tokens.js';
import type { LoginServices } from './session/services.js';
import { createStore, redisOptionsOf } from './store/index.js';
import type { StoreObserver } from './store/observed.js';
import { readRedisPersistence } from './store/redis-persistence.js';
import type { StoreSettings } from './store/settings.js';

/** What the gateway keeps about users and sessions: the store, the keys, and what reads and writes through them. */
export type UserState = Pick<
  LoginServices,
  | 'store'
  | 'keys'
  | 'sealer'
  | 'hasher'
  | 'records'
  | 'totp'
  | 'passkeys'
  | 'questions'
  | 'recovery'
  | 'trusted'
  | 'secondStepLimits'
  | 'passwordLimits'
>;

/**
 * Builds the user state from the configuration, as the gateway does at start-up and the operator
 * CLI does for one command, so that both read and seal records alike. `generateKeys: false`
 * refuses to create missing generated keys (see loadKeys).
 */
export async function createUserState(
  config: () => Readonly<GatewayConfig>,
  now: () => number,
  {
    generateKeys = true,
    storeObserver,
    hashCost,
  }: { generateKeys?: boolean; storeObserver?: StoreObserver; hashCost?: Argon2Cost } = {},
): Promise<UserState> {
  const initial = config();
  const keys = await loadKeys(initial.keys, initial.data_dir, { generate: generateKeys });
  const store = await createStore(initial.store, { now, observer: storeObserver });
  const sealer = createSealer(keys.sealing);
  const settings = () => {
    const { session } = config();
    return {
      idleMs: session.idle,
      absoluteMs: session.absolute,
      pendingMs: session.pending,
      maxPerUser: session.max_per_user,
      maxPendingPerUser: session.max_pending_per_user,
    };
  };
  const hasher = createPasswordHasher({
    waitMs: initial.limits.hashing.wait,
    runMs: initial.limits.hashing.run,
    cost: hashCost,
  });
  // The factors' records, moved from their earlier names on first touch (an upgraded store).
  const factorStore = withLegacyFactorNames(store);
  const recovery = createRecoveryCodes({ store: factorStore, key: keys.digest });
  return {
    store,
    keys,
    sealer,
    hasher,
    records: createSessionRecords({ store, sealer, settings, now }),
    totp: createTotpFactor({ store: factorStore, sealer, recovery, issuer: initial.totp.issuer, now }),
    passkeys: createPasskeyFactor({
      store,
      recovery,
      relyingParty: () => relyingParty(config().passkeys, config().upstream.rewrite.public_origin),
      now,
    }),
    questions: createQuestionsFactor({ store: factorStore, hasher, rules: () => config().questions }),
    recovery,
    trusted: createTrustedBrowsers({ store, now }),
    secondStepLimits: createRegulator(store, LIMITED.secondStep, () => config().limits.second_step, now),
    passwordLimits: createRegulator(store, LIMITED.password, () => config().limits.password, now),
  };
}

export async function createLoginServices(options: {
  config: () => Readonly<GatewayConfig>;
  upstream: () => Upstream;
  webSockets: WebSocketTracker;
  allowlists: AllowlistProvider;
  allowlistEditor: SharedAllowlistEditor;
  logger: Logger;
  now?: () => number;
  /** Told the time and outcome of every store call (the metrics). */
  storeObserver?: StoreObserver;
  /** Another argon2 cost for the answers' hashes (tests). */
  hashCost?: Argon2Cost;
}): Promise<LoginServices> {
  const now = options.now ?? Date.now;
  const state = await createUserState(options.config, now, {
    storeObserver: options.storeObserver,
    hashCost: options.hashCost,
  });
  // In the background: a Redis that is down at start must not hold the start up.
  void warnIfNotPersistent(options.config().store, options.logger);
  const auditTrail = createAuditTrail(state.store, now, options.logger);
  keepAuditTrail(options.logger, auditTrail);
  const services: LoginServices = {
    ...state,
    signer: createSigner(state.keys.signing),
    oneAtATime: createOneAtATime(),
    held: createHeldRequests({ store: state.store, sealer: state.sealer }),
    replays: createReplayTokens({ store: state.store, sealer: state.sealer }),
    roles: createRoleResolver(state.store, now),
    webSockets: options.webSockets,
    allowlists: options.allowlists,
    allowlistEditor: options.allowlistEditor,
    upstream: options.upstream,
    logger: options.logger,
    auditTrail,
    auditOutbox: createAuditOutbox({ store: state.store, logger: options.logger, now, keyOf: auditOutboxKey }),
    now,
    logoutUpstream: (scope, jar) => logoutUpstream(scope, services, jar),
  };
  return services;
}

/**
 * Warns loudly when the Redis store persists nothing (neither AOF nor RDB): its restart would
 * lose every enrollment, and with `enrollment.first: open` a password alone could enroll again.
 */
export async function warnIfNotPersistent(settings: StoreSettings, logger: Logger): Promise<void> {
  if (settings.type !== 'redis') return;
  const persistence = await readRedisPersistence(redisOptionsOf(settings));
  if (!persistence.known) {
    logger.warn(
      { event: 'store.redis_persistence_unknown', reason: persistence.reason },
      'could not read the Redis persistence settings (CONFIG GET): make sure AOF or RDB snapshots are on, or a Redis restart loses every enrollment',
    );
  } else if (!persistence.aof && !persistence.rdb) {
    logger.warn(
      { event: 'store.redis_not_persistent' },
      'REDIS PERSISTS NOTHING (appendonly no, no save rules): a Redis restart loses every enrollment, session and lockout; turn on appendonly yes (or RDB snapshots)',
    );
  }
}
