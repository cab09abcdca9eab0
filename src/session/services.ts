// Owns the set of collaborators the login layer works with, built once at start-up
// (gateway.ts) and handed to the guard, the login interceptor and the gateway's pages.

import type { OneAtATime } from '../access/one-at-a-time.js';
import type { Regulator } from '../access/regulator.js';
import type { RoleResolver } from '../access/roles.js';
import type { SharedAllowlistEditor } from '../allowlist/editors.js';
import type { AllowlistProvider } from '../allowlist/provider.js';
import type { GatewayKeys } from '../crypto/keys.js';
import type { PasswordHasher } from '../crypto/password-hash.js';
import type { Sealer } from '../crypto/sealing.js';
import type { Signer } from '../crypto/signing.js';
import type { PasskeyFactor } from '../factors/passkey/passkey-factor.js';
import type { QuestionsFactor } from '../factors/questions/questions-factor.js';
import type { RecoveryCodes } from '../factors/recovery-codes.js';
import type { TotpFactor } from '../factors/totp/totp-factor.js';
import type { TrustedBrowsers } from '../factors/trusted-browsers.js';
import type { RequestScope } from '../http/scope.js';
import type { AuditOutbox } from '../ops/audit-outbox.js';
import type { AuditTrail } from '../ops/audit-trail.js';
import type { Logger } from '../ops/logger.js';
import type { Upstream } from '../proxy/upstream.js';
import type { WebSocketTracker } from '../proxy/websocket-tracker.js';
import type { Store } from '../store/store.js';
import type { Jar } from './cookie-jar.js';
import type { HeldRequests } from './held-requests.js';
import type { SessionRecords } from './records.js';
import type { ReplayTokens } from './replay-tokens.js';

export interface LoginServices {
  store: Store;
  records: SessionRecords;
  keys: GatewayKeys;
  signer: Signer;
  sealer: Sealer;
  totp: TotpFactor;
  passkeys: PasskeyFactor;
  questions: QuestionsFactor;
  /** argon2id in its helper process (stopped at shutdown). */
  hasher: PasswordHasher;
  recovery: RecoveryCodes;
  /** Browsers trusted to skip the second step (issue 15). */
  trusted: TrustedBrowsers;
  /** Wrong second-step answers: per user and address, per user, per address in distinct users (S15). */
  secondStepLimits: Regulator;
  /** Failures of the app's password form, counted the same way. */
  passwordLimits: Regulator;
  /** Second-step checks of one user, one at a time (so a lockout is seen by the next guess). */
  oneAtATime: OneAtATime;
  /** Requests held while a path rule asks for a fresh second step (issue 16). */
  held: HeldRequests;
  /** Withheld pages kept for their session's browser to fetch once at their own address (issue 12). */
  replays: ReplayTokens;
  /** Users' roles now (sessions carry the role of their login). */
  roles: RoleResolver;
  webSockets: WebSocketTracker;
  /** The staff allowlists in force (S3), read on every request without I/O. */
  allowlists: AllowlistProvider;
  /** The editor the admin page changes the lists through: one per process, closed at shutdown. */
  allowlistEditor: SharedAllowlistEditor;
  upstream: () => Upstream;
  /**
   * Logs the app session in a jar out at the app, as login.logout_routes says
   * (intercept/upstream-logout.ts); never rejects. Given here so that this room, which cannot
   * call the app itself, can end a pending login (pending-ends.ts).
   */
  logoutUpstream: (scope: RequestScope, jar: Jar) => Promise<void>;
  logger: Logger;
  /** The recent audit events, shared through the store (the admin console shows them). */
  auditTrail: AuditTrail;
  /** The audit events of factor changes, written in the changes' atomic writes (issue 13). */
  auditOutbox: AuditOutbox;
  now: () => number;
}
