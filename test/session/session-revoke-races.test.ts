// A login that finishes while its user's sessions are being ended, on every backend: memory, LMDB
// (two handles on one file) and a real Redis (two clients). Gateway A logs alice in, held by the
// store between two of its steps, while gateway B ends her sessions (an operator's "end all
// sessions", or a factor reset). The end reads her index and deletes the sessions it lists; a
// login that had written its record but not yet listed it kept its session, and after a reset
// for a lost phone, whoever held the phone kept theirs. Now the end changes her session epoch
// first, and a session stands only in the epoch its login read before it checked anything: no
// login whose epoch read came before an end completes may be used after it, whatever the
// interleaving. A session "stands" here as the session stage decides it: its record found, and
// its role and epoch current (roles.changeSince), read afresh by a third gateway.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  type ChangeSince,
  createRoleResolver,
  type IssuedUnder,
  ROLE_CACHE_MS,
  type RoleResolver,
} from '../../src/access/roles.js';
import type { RoleSettings } from '../../src/config/runtime.js';
import { createSealer, type Sealer } from '../../src/crypto/sealing.js';
import { auditOutboxKey } from '../../src/factors/user-keys.js';
import { authoredAudit } from '../../src/ops/audit-author.js';
import { createAuditOutbox } from '../../src/ops/audit-outbox.js';
import { createLogger } from '../../src/ops/logger.js';
import { createSessionRecords, type SessionRecord, type SessionRecords } from '../../src/session/records.js';
import { resetFactors, type UserAdmin } from '../../src/session/user-admin.js';
import type { Store } from '../../src/store/store.js';
import { memoryLog } from '../helpers/gateway.js';
import { type HeldRead, holdingStore, withReadHeld } from '../helpers/held-store.js';
import { sharedBackends } from '../helpers/shared-stores.js';

const MINUTE = 60_000;
/** One sealing key for every gateway of the test, as a deployment's gateways share theirs. */
const sealer: Sealer = createSealer([randomBytes(32)]);
const settings = () => ({ idleMs: 30 * MINUTE, absoluteMs: 12 * 60 * MINUTE, pendingMs: 5 * MINUTE });
const roleSettings: RoleSettings = { admins: ['alice'], roles: {}, default_role: 'user' };

interface Gateways {
  /** Gateway A, whose store calls can be held. */
  a: SessionRecords;
  b: SessionRecords;
  /** Gateway A's roles and epochs, cached as on the request path. */
  rolesA: RoleResolver;
  /** What changed since a session or pending login was issued, as a gateway with nothing cached reads it. */
  changeSince(issued: IssuedUnder): Promise<ChangeSince | undefined>;
  /** Whether the session stands, as a gateway with nothing cached decides it. */
  stands(session: SessionRecord): Promise<boolean>;
  /** Takes the session out of alice's index, as a login that had not listed it yet would leave it. */
  unlist(session: SessionRecord): Promise<void>;
  /** An operator's reset of alice's factors on gateway B, as the CLI and the console make it. */
  reset(): Promise<void>;
  /** A reset on gateway B killed after its one write, before it ended the sessions the index lists. */
  resetKilled(): Promise<void>;
  hold: (read: 'set', key: string) => HeldRead;
  advance(ms: number): void;
}

/** A whole login of alice on `records`: the epoch read, then the session written and listed. */
async function login(records: SessionRecords): Promise<SessionRecord> {
  return records.createSession('alice', 'admin', {}, 'totp', await records.sessionEpoch('alice'));
}

/** Gateway B's admin for a reset: no factor to remove (the removal is another test's), its sessions to end. */
function resetAdmin(store: Store, records: SessionRecords): UserAdmin {
  const logger = createLogger({ level: 'info', destination: memoryLog().stream });
  const outbox = createAuditOutbox({ store, logger, now: Date.now, keyOf: auditOutboxKey });
  return {
    state: {
      store,
      records,
      recovery: { remaining: async () => 0 },
      trusted: { list: async () => [], removal: async () => [] },
    },
    factors: [],
    ...authoredAudit({ by: 'cli', operator: 'root' }, logger, outbox),
  } as unknown as UserAdmin;
}

for (const { name, open } of sharedBackends('session-revoke-races')) {
  describe(`${name}: a login and the end of every session of its user`, () => {
    const run = (title: string, body: (gateways: Gateways) => Promise<void>) =>
      test(title, async () => {
        const { stores, close } = await open();
        try {
          let time = Date.now();
          const now = () => time;
          const heldA = holdingStore(stores[0]);
          const gateway = (store: Store) => createSessionRecords({ store, sealer, settings, now });
          const b = gateway(stores[1]);
          const changeSince = (issued: IssuedUnder) =>
            createRoleResolver(stores[1], now).changeSince(issued, roleSettings);
          await body({
            a: gateway(heldA.store),
            b,
            rolesA: createRoleResolver(heldA.store, now),
            changeSince,
            async stands(session) {
              const found = await gateway(stores[1]).getSession(session.id);
              return found !== undefined && (await changeSince(found)) === undefined;
            },
            unlist: async ({ id, createdAt, endsAt }) =>
              void (await stores[1].removeOrdered('sessions:user-index:alice', `${createdAt}.${endsAt}.${id}`)),
            reset: async () => void (await resetFactors(resetAdmin(stores[1], b), 'alice')),
            async resetKilled() {
              const killed = new Error('kill -9');
              const records = { ...b, revoke: () => Promise.reject(killed) };
              await assert.rejects(resetFactors(resetAdmin(stores[1], records), 'alice'), killed);
            },
            hold: (read, key) => heldA.holdNextRead(read, key),
            advance: (ms) => {
              time += ms;
            },
          });
        } finally {
          await close();
        }
      });

    run(
      'a login between its session write and its index add while "end all sessions" runs is refused after',
      async (g) => {
        const before = await login(g.a);
        const session = await withReadHeld(
          () => g.hold('set', 'session:*'),
          () => login(g.a),
          () => g.b.revoke('alice'),
        );
        assert.equal(await g.stands(before), false, 'a listed session ended');
        assert.equal(await g.stands(session), false, 'the session being listed ended too');
        assert.deepEqual(await g.b.listSessions('alice'), [], 'nor is it shown or counted');
        const next = await login(g.a);
        assert.equal(await g.stands(next), true, 'a login after the end stands');
        assert.deepEqual(
          (await g.b.listSessions('alice')).map(({ id }) => id),
          [next.id],
        );
      },
    );

    run('a login between its session write and its index add while a factor reset runs is refused after', async (g) => {
      const session = await withReadHeld(
        () => g.hold('set', 'session:*'),
        () => login(g.a),
        () => g.reset(),
      );
      assert.equal(await g.stands(session), false, 'the reset ended it');
    });

    run("a reset killed after its one write leaves no session of alice's standing", async (g) => {
      const session = await login(g.a);
      await g.resetKilled();
      assert.equal(await g.stands(session), false);
    });

    run('a login whose step passed before a reset, and whose session is written after it, is refused', async (g) => {
      // The phone's holder passed the second step (the epoch was read with the password), then
      // the operator reset alice's factors, then the login wrote its session.
      const epoch = await g.a.sessionEpoch('alice');
      await g.reset();
      const session = await g.a.createSession('alice', 'admin', {}, 'totp', epoch);
      assert.equal(await g.stands(session), false);
    });

    run('a pending login started before "end all sessions" no longer stands, nor would its session', async (g) => {
      const withheld = { status: 302, headers: [], body: null };
      const input = { user: 'alice', role: 'admin', step: 'totp' as const, jar: {}, withheld };
      const { pending } = await g.a.createPending({ ...input, epoch: await g.a.sessionEpoch('alice') });
      await g.b.revoke('alice');
      const found = await g.b.getPending(pending.id);
      assert.ok(found);
      assert.equal(await g.changeSince(found), 'sessions ended');
      // Its promotion carries the epoch it read with the password (portal/route-context.ts promote).
      const session = await g.a.createSession('alice', 'admin', {}, 'totp', found.epoch);
      assert.equal(await g.stands(session), false);
    });

    run("the request path's caches refuse a missed session within their life, with no read before", async (g) => {
      const before = await login(g.a);
      assert.equal(await g.rolesA.changeSince(before, roleSettings), undefined, "alice's role and epoch cached");
      const session = await withReadHeld(
        () => g.hold('set', 'session:*'),
        () => login(g.a),
        () => g.b.revoke('alice'),
      );
      // Within the caches' life gateway A still answers from them, as a revocation always did.
      assert.ok(g.a.cachedSession(session.id));
      assert.equal(g.rolesA.unchangedNow(session, roleSettings), true);
      g.advance(ROLE_CACHE_MS);
      assert.equal(g.a.cachedSession(session.id), undefined, 'the record is read again');
      const read = await g.a.getSession(session.id);
      assert.ok(read, 'the record outlived the end, unlisted');
      assert.equal(g.rolesA.unchangedNow(read, roleSettings), false);
      assert.equal(await g.rolesA.changeSince(read, roleSettings), 'sessions ended');
    });

    run('a session recorded before epochs stands until her sessions are first ended, listed or not', async (g) => {
      const listed = await g.a.createSession('alice', 'admin', {}, 'totp', undefined);
      const unlisted = await g.a.createSession('alice', 'admin', {}, 'totp', undefined);
      await g.unlist(unlisted);
      await g.b.revoke('bob');
      assert.equal(await g.stands(listed), true);
      assert.equal(await g.stands(unlisted), true, "another user's end changes nothing of hers");
      await g.b.revoke('alice');
      assert.equal(await g.stands(listed), false);
      assert.equal(await g.stands(unlisted), false, 'an unlisted one ends too');
    });
  });
}
