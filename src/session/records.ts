// Owns the server-side records behind the gateway cookie: full sessions (idle and absolute
// lifetimes, the sealed vault) and pending logins (the withheld answer, attempts), with
// fresh ids at every step (S4), a per-user index for listing and revocation, and a cache
// that serves a record for at most 2 seconds (so a revocation holds everywhere within 2 s), and
// never one older than the vault generation the browser's cookie names (issue 13: cookies the
// app rotated through one gateway are forwarded by the next one at once). A record is changed
// by compare-and-set on the text read (Store.writeAll ifEquals), so that gateways sharing the
// store lose none of each other's vault changes and never write back a session one of them
// ended (S4). Ending all of a user's sessions also changes the user's session epoch first
// (access/roles.ts): a login that finishes meanwhile, written after the end read the user's
// index, carries the epoch from before and no longer stands.

import { randomBytes } from 'node:crypto';
import type { SecondStep } from '../access/decide.js';
import { createOneAtATime } from '../access/one-at-a-time.js';
import { sessionEpochKey } from '../access/roles.js';
import type { Sealer } from '../crypto/sealing.js';
import type { FactorKind } from '../factors/factor.js';
import { LOST_RACE, StoreContendedError, untilWon } from '../store/contention.js';
import type { Store, StoreWrite } from '../store/store.js';
import { applyChanges, type Jar, type JarChanges, withoutExpired } from './cookie-jar.js';

/** What a login passed besides the password: what the admin pages (and an audit reader) rely on. */
/** 'trusted_browser': the step was skipped for a browser trusted at an earlier one (not a step passed in this session). */
export type PassedStep = 'none' | 'totp' | 'passkey' | 'recovery_code' | 'questions' | 'enrollment' | 'trusted_browser';

export interface SessionRecord {
  readonly id: string;
  readonly user: string;
  readonly role: string;
  readonly secondStep: PassedStep;
  /** When this session last passed a second step (its login's, or a step-up since); absent when it never did. */
  readonly secondStepAt?: number;
  readonly createdAt: number;
  /** Last time the session was seen, refreshed lazily (see touch). */
  readonly seenAt: number;
  /** The absolute end, createdAt + absolute lifetime. */
  readonly endsAt: number;
  readonly jar: Jar;
  /** How many times the vault was changed (0 at the login); the gateway cookie names it (gateway-cookie.ts). */
  readonly vaultGeneration: number;
  /** Where the login came from (client address, browser summary), for the sessions page; absent in older records. */
  readonly client?: string;
  readonly agent?: string;
  /**
   * The user's session epoch that its login read before it checked anything (roles.ts); absent
   * when the user had none, and in records written before epochs existed.
   */
  readonly epoch?: string;
}

/** Where a login came from, as the sessions page shows it. */
export interface LoginOrigin {
  readonly client: string;
  readonly agent: string;
}

/** The upstream's answer held back until the second step is passed (S2). */
export interface WithheldAnswer {
  status: number;
  headers: Array<[string, string]>;
  /** base64 body, or null when it was larger than the bound (the browser goes to the landing path). */
  body: string | null;
  /**
   * The path the login was sent to, as the browser sent it: the answer's own address, where it
   * is shown again (S14). Absent in records written before it existed: such a page goes to the
   * landing path.
   */
  path?: string;
}

export type PendingStep = Exclude<SecondStep, 'none'>;

export interface PendingRecord {
  readonly id: string;
  readonly user: string;
  readonly role: string;
  /** The factor this login must pass, or 'enroll' when a required step was never set up (S12). */
  readonly step: PendingStep;
  /**
   * The kind of factor this login passed and its role may no longer use (step 'enroll' only):
   * the enrollment replaces it (issue 15).
   */
  readonly replaces?: FactorKind;
  readonly createdAt: number;
  readonly endsAt: number;
  readonly jar: Jar;
  readonly withheld: WithheldAnswer;
  /** The public origin the login came in at ("https://host"): a logout sent for it later names it (Referer). */
  readonly origin?: string;
  /** The user's session epoch read when the password was accepted, which its session carries (SessionRecord.epoch). */
  readonly epoch?: string;
}

/** What a pending login starts with. */
export type NewPending = Omit<PendingRecord, 'id' | 'createdAt' | 'endsAt'>;

/** A pending login just started, and those of its user it ended by the cap. */
export interface CreatedPending {
  readonly pending: PendingRecord;
  readonly evicted: PendingRecord[];
}

export interface RecordSettings {
  idleMs: number;
  absoluteMs: number;
  pendingMs: number;
  /** A user's sessions at most (oldest ended first); unbounded when absent. */
  maxPerUser?: number;
  /** A user's pending logins at most (oldest ended first); unbounded when absent. */
  maxPendingPerUser?: number;
}

const CACHE_MS = 2_000;

/** A 256-bit random id, URL-safe. */
export function newId(): string {
  return randomBytes(32).toString('base64url');
}

const sessionKey = (id: string) => `session:${id}`;
const pendingKey = (id: string) => `pending:${id}`;
// Each user's index is an ordered set of their sessions by when each began, each named with when
// it began and ends ("createdAt.endsAt.id"): a login reads only the oldest entries, those that
// ended and those beyond the cap, and ends them without reading or decrypting a record, so it
// costs the same with 10 sessions or 10,000 (issue 13). The users index grows with users, not
// with logins, and lets an operator revoke everyone's sessions. Neither has a TTL: a lifetime
// shortened by a reload must not make a live session unlisted, and so unrevocable.
const userIndexKey = (user: string) => `sessions:user-index:${user}`;
// The index as it was before: a set, read and rewritten whole at every login (its members timed,
// or bare ids written earlier still). Moved into the ordered index at the user's first touch.
const oldUserIndexKey = (user: string) => `sessions:user:${user}`;
/** How many of the oldest index entries a login reads at most at a time while they have ended (it starts at one, doubling). */
const MAX_ENDED_BATCH = 64;
const USERS_INDEX = 'sessions:users';
// When each user last signed in (a session created), for the admin console; no TTL, one per user.
const lastSignInKey = (user: string) => `last-sign-in:${user}`;
// A user's pending logins, named alike; they all live pendingMs, so the set's TTL is theirs.
const pendingIndexKey = (user: string) => `pending:user:${user}`;
// Every pending login, named alike, so that one that expires is found and logged out upstream
// (issue 12): its record outlives its end by PENDING_GRACE_MS for that, and whoever deletes it
// first (the sweep of one gateway, a promotion, a last wrong answer) owns what follows.
const PENDING_INDEX = 'pending:all';

/** How long a pending record is kept past its end, for the sweep to log it out upstream. */
export const PENDING_GRACE_MS = 10 * 60_000;

/** An entry of a per-user index. */
interface IndexEntry {
  member: string;
  id: string;
  createdAt: number;
  endsAt: number;
}

const indexMember = (record: { id: string; createdAt: number; endsAt: number }) =>
  `${record.createdAt}.${record.endsAt}.${record.id}`;

/** Reads an index member; a bare id (written before) has no times (pure). */
export function parseIndexMember(member: string): IndexEntry | { member: string; id: string } {
  const [createdAt, endsAt, id] = member.split('.');
  if (id === undefined || !/^\d+$/.test(createdAt as string) || !/^\d+$/.test(endsAt as string))
    return { member, id: member };
  return { member, id, createdAt: Number(createdAt), endsAt: Number(endsAt) };
}

/**
 * The leading entries of an index read oldest first that have ended by `now`: those a login
 * drops before the cap (pure). A bare id has no times and is never among them.
 */
export function endedLeaders<E extends IndexEntry | { member: string; id: string }>(
  oldest: readonly E[],
  now: number,
): E[] {
  const firstLive = oldest.findIndex((entry) => !('endsAt' in entry) || entry.endsAt > now);
  return oldest.slice(0, firstLive === -1 ? oldest.length : firstLive);
}

/** Which entries of an index to drop: those ended by `now`, then the oldest beyond `max` (pure). */
export function entriesToDrop(entries: readonly IndexEntry[], now: number, max: number | undefined): IndexEntry[] {
  const ended = entries.filter((entry) => entry.endsAt <= now);
  const live = entries.filter((entry) => entry.endsAt > now).sort((a, b) => a.createdAt - b.createdAt);
  const over = max === undefined ? 0 : Math.max(0, live.length - max);
  return [...ended, ...live.slice(0, over)];
}

interface StoredSession {
  user: string;
  role: string;
  /** Absent in records written before it existed: read as 'none'. */
  secondStep?: PassedStep;
  /** Absent in records written before it existed: the login's step, at createdAt. */
  secondStepAt?: number;
  createdAt: number;
  seenAt: number;
  endsAt: number;
  vault: string;
  /** Absent in records written before it existed, and at the login: 0. */
  gen?: number;
  client?: string;
  agent?: string;
  epoch?: string;
}

interface StoredPending {
  user: string;
  role: string;
  step: PendingStep | 'verify';
  replaces?: FactorKind;
  createdAt: number;
  endsAt: number;
  vault: string;
  withheld: string;
  origin?: string;
  epoch?: string;
}

export interface SessionRecords {
  /**
   * The user's session epoch now (undefined: they have none yet). A login reads it before it
   * checks a second step or a trusted browser, and its session carries it: an end of the user's
   * sessions after that read ends this one too, wherever the login was by then.
   */
  sessionEpoch(user: string): Promise<string | undefined>;
  createSession(
    user: string,
    role: string,
    jar: Jar,
    secondStep: PassedStep,
    epoch: string | undefined,
    origin?: LoginOrigin,
  ): Promise<SessionRecord>;
  /**
   * The live session, or undefined when absent, expired (idle or absolute) or revoked. From the
   * cache (at most 2 s old) unless the cached vault is older than `generation`, the one the
   * browser's cookie names: then from the store.
   */
  getSession(id: string, generation?: number): Promise<SessionRecord | undefined>;
  /**
   * getSession's answer when the cache gives it, without waiting for anything: the live session
   * from a fresh cache entry that serves `generation`; undefined when getSession must be asked
   * (no such entry, or one whose session is over). Most requests of a session are answered
   * here, so they go on without an await (issue 17).
   */
  cachedSession(id: string, generation?: number): SessionRecord | undefined;
  /**
   * Slides the idle lifetime; writes only when the last write is older than a fraction of it,
   * and answers undefined when it writes nothing (most requests: nothing to wait for).
   */
  touch(session: SessionRecord): Promise<void> | undefined;
  /** Records a second step passed now in this session (a step-up a path rule asked for); the session as written, or undefined when it ended. */
  markSecondStep(id: string): Promise<SessionRecord | undefined>;
  /**
   * Applies cookie changes from an upstream answer, read-modify-write per session, writing only
   * on change; the vault's new generation when it changed, else undefined.
   */
  updateVault(id: string, changes: JarChanges): Promise<number | undefined>;
  /** Ends one session (a logout, the "my sessions" page, an operator); the record it ended, if any. */
  endSession(id: string): Promise<SessionRecord | undefined>;
  /** A user's live sessions of their current epoch (reads each: for pages and the CLI, not for every login). */
  listSessions(user: string): Promise<SessionRecord[]>;
  /** Ends every session of a user but `keepId` ("sign out everywhere else"); the ids of the live ones it ended. */
  endOtherSessions(user: string, keepId: string): Promise<string[]>;
  /**
   * The write that ends every session of the user issued so far, listed or not: a new session
   * epoch. In the user's slot, so that a reset makes it in its one write with the factors'
   * removal (a crash before revoke() then leaves no session of the lost factor standing).
   */
  sessionsEnding(user: string): StoreWrite;
  /**
   * Ends every session of a user (or of everyone): a new session epoch for each, then every
   * session the user's index names; returns the ids of the live sessions it ended.
   */
  revoke(user: string | { all: true }): Promise<string[]>;
  /** Every user who has signed in (the index revocation of everyone uses). */
  signedInUsers(): Promise<string[]>;
  /** When the user last signed in (a session created); undefined when never (or before it was recorded). */
  lastSignIn(user: string): Promise<number | undefined>;

  /**
   * Starts a pending login; and ends the user's oldest ones beyond the cap, returning those
   * this call ended (its delete is the claim, as for the sweep): their app sessions are the
   * caller's to log out (session/pending-ends.ts).
   */
  createPending(input: NewPending): Promise<CreatedPending>;
  getPending(id: string): Promise<PendingRecord | undefined>;
  /** Counts an answer to this pending login, before it is checked (so parallel guesses count); returns the count. */
  countAttempt(pending: PendingRecord): Promise<number>;
  /** Ends a pending login; true for the one caller that ended it (so a login is promoted once). */
  endPending(id: string): Promise<boolean>;
  /**
   * Ends the pending logins whose time ran out and returns those this call ended: the delete is
   * the claim, so of several gateways sweeping at once (or a promotion racing the sweep) exactly
   * one owns each. Forgets the entries of pending logins that ended otherwise.
   */
  claimExpiredPending(): Promise<PendingRecord[]>;
}

export function createSessionRecords(options: {
  store: Store;
  sealer: Sealer;
  settings: () => RecordSettings;
  now: () => number;
}): SessionRecords {
  const { store, sealer, now } = options;
  // `serves`: the highest cookie generation the entry may answer, its record's own, or more when
  // a cookie named more than the store held (a vault write lost to a concurrent one): read once
  // then, not at every request.
  const cache = new Map<string, { record: SessionRecord; at: number; serves: number }>();
  const oneAtATime = createOneAtATime();

  const sealJar = (id: string, jar: Jar) => sealer.seal(JSON.stringify(jar), `vault:${id}`);
  const openJar = (id: string, sealed: string): Jar | undefined => {
    const plain = sealer.open(sealed, `vault:${id}`);
    return plain ? (JSON.parse(plain.toString()) as Jar) : undefined;
  };

  function ttlOf(record: { seenAt: number; endsAt: number }): number {
    return Math.max(1, Math.min(record.seenAt + options.settings().idleMs, record.endsAt) - now());
  }

  function storedText(record: SessionRecord): string {
    const stored: StoredSession = {
      user: record.user,
      role: record.role,
      secondStep: record.secondStep,
      secondStepAt: record.secondStepAt,
      createdAt: record.createdAt,
      seenAt: record.seenAt,
      endsAt: record.endsAt,
      vault: sealJar(record.id, record.jar),
      gen: record.vaultGeneration || undefined,
      client: record.client,
      agent: record.agent,
      epoch: record.epoch,
    };
    return JSON.stringify(stored);
  }

  function cacheWritten(record: SessionRecord): void {
    cache.set(record.id, { record, at: now(), serves: record.vaultGeneration });
  }

  /**
   * Reads the record, applies `change` and writes the result only while the store still holds
   * the text read: one another gateway changed meanwhile is read again and the change applied
   * to it, one it ended is never written back. `change` answers undefined to write nothing.
   * Resolves to the record written, or undefined (gone, or nothing to write); rejects with
   * StoreContendedError after a few lost races.
   */
  function rewrite(
    id: string,
    change: (record: SessionRecord) => SessionRecord | undefined,
  ): Promise<SessionRecord | undefined> {
    return untilWon('a session record', async () => {
      const read = await readStoredSession(id);
      const next = read && change(read.record);
      if (!next) {
        if (!read) cache.delete(id);
        return undefined;
      }
      const key = sessionKey(id);
      const write = { op: 'set', key, value: storedText(next), ttlMs: ttlOf(next) } as const;
      if (!(await store.writeAll([write], { ifEquals: { key, value: read.text } }))) return LOST_RACE;
      cacheWritten(next);
      return next;
    });
  }

  /** The record and the text it was read from (what a rewrite is conditioned on); undefined when absent or unreadable. */
  async function readStoredSession(id: string): Promise<{ record: SessionRecord; text: string } | undefined> {
    const text = await store.get(sessionKey(id));
    if (text === undefined) return undefined;
    const stored = JSON.parse(text) as StoredSession;
    const jar = openJar(id, stored.vault);
    if (!jar) return undefined;
    const record: SessionRecord = {
      id,
      user: stored.user,
      role: stored.role,
      secondStep: stored.secondStep ?? 'none',
      secondStepAt:
        stored.secondStepAt ?? (stored.secondStep && stored.secondStep !== 'none' ? stored.createdAt : undefined),
      createdAt: stored.createdAt,
      seenAt: stored.seenAt,
      endsAt: stored.endsAt,
      jar,
      vaultGeneration: stored.gen ?? 0,
      client: stored.client,
      agent: stored.agent,
      epoch: stored.epoch,
    };
    return { record, text };
  }

  const readSession = async (id: string) => (await readStoredSession(id))?.record;

  /** The cached record, while its entry is under CACHE_MS old and serves `generation`. */
  function fromCache(id: string, generation: number): SessionRecord | undefined {
    const cached = cache.get(id);
    return cached && now() - cached.at < CACHE_MS && cached.serves >= generation ? cached.record : undefined;
  }

  function alive(record: SessionRecord): boolean {
    const time = now();
    return time < record.endsAt && time < record.seenAt + options.settings().idleMs;
  }

  /** A pending record as stored, ended or not; undefined when absent or unreadable. */
  async function readPending(id: string): Promise<PendingRecord | undefined> {
    const text = await store.get(pendingKey(id));
    if (text === undefined) return undefined;
    const stored = JSON.parse(text) as StoredPending;
    const jar = openJar(id, stored.vault);
    const withheld = sealer.open(stored.withheld, `withheld:${id}`);
    if (!jar || !withheld) return undefined;
    return {
      id,
      user: stored.user,
      role: stored.role,
      // 'verify' was written before a second factor existed, and meant TOTP.
      step: stored.step === 'verify' ? 'totp' : stored.step,
      replaces: stored.replaces,
      createdAt: stored.createdAt,
      endsAt: stored.endsAt,
      jar,
      withheld: JSON.parse(withheld.toString()) as WithheldAnswer,
      origin: stored.origin,
      epoch: stored.epoch,
    };
  }

  async function endSession(id: string): Promise<SessionRecord | undefined> {
    const record = await readSession(id);
    cache.delete(id);
    await store.delete(sessionKey(id));
    if (record) await store.removeOrdered(userIndexKey(record.user), indexMember(record));
    return record;
  }

  /**
   * Moves the user's index as it was before (a set) into the ordered index, member by member:
   * once per user (afterwards the old key is absent, one read), and each member is removed from
   * the old set only once in the new one, so a crash or a second gateway doing the same midway
   * loses no session from the index.
   */
  async function moveOldIndex(user: string): Promise<void> {
    for (const member of await store.members(oldUserIndexKey(user))) {
      const entry = parseIndexMember(member);
      let timed: { id: string; createdAt: number; endsAt: number } | undefined = 'endsAt' in entry ? entry : undefined;
      if (!timed) {
        // A bare id, written before the index carried times: read once, kept with its times while it lives.
        const record = await readSession(entry.id);
        if (record && alive(record)) timed = record;
      }
      if (timed) await store.addOrdered(userIndexKey(user), indexMember(timed), timed.createdAt);
      await store.removeFromSet(oldUserIndexKey(user), member);
    }
  }

  /** Ends the sessions the index names, record first: an index entry never outlives a live record. */
  async function endIndexed(user: string, entries: readonly { member: string; id: string }[]): Promise<void> {
    for (const entry of entries) {
      cache.delete(entry.id);
      await store.delete(sessionKey(entry.id));
      await store.removeOrdered(userIndexKey(user), entry.member);
    }
  }

  /**
   * Ends the user's sessions that have ended by their absolute end, then the oldest beyond the
   * cap, reading only those entries of the index (and one more) and no record.
   */
  async function pruneSessions(user: string): Promise<void> {
    // Usually none has ended, and this reads one entry: the oldest, still live.
    for (let batch = 1; ; batch = Math.min(batch * 2, MAX_ENDED_BATCH)) {
      const oldest = (await store.lowestOrdered(userIndexKey(user), { limit: batch })).map(parseIndexMember);
      const ended = endedLeaders(oldest, now());
      await endIndexed(user, ended);
      if (ended.length < batch) break;
    }
    const max = options.settings().maxPerUser;
    if (max === undefined) return;
    const beyond = await store.lowestOrdered(userIndexKey(user), { keep: max });
    await endIndexed(user, beyond.map(parseIndexMember));
  }

  /** Every session the user's index names (reads it whole: for pages, the CLI and revocation, not for every login). */
  async function indexedSessions(user: string): Promise<Array<{ member: string; id: string }>> {
    await moveOldIndex(user);
    return (await store.orderedMembers(userIndexKey(user))).map(parseIndexMember);
  }

  /**
   * Forgets the entries of the pending index `index` that `drop` picks, and claims the pending
   * logins of those that `claims` says this call owns: the delete is the claim, so of several
   * callers (gateways sweeping at once, a login past the cap, a promotion) exactly one gets
   * each, and logs its app session out upstream. Returns the records this call claimed.
   */
  async function dropPending(
    index: string,
    drop: (entries: IndexEntry[], time: number) => readonly IndexEntry[],
    claims: (entry: IndexEntry, time: number) => boolean,
  ): Promise<PendingRecord[]> {
    const entries = (await store.members(index))
      .map(parseIndexMember)
      .filter((entry): entry is IndexEntry => 'endsAt' in entry);
    const time = now();
    const claimed: PendingRecord[] = [];
    for (const entry of drop(entries, time)) {
      if (claims(entry, time)) {
        // Read before the delete that claims it: after it, nobody could.
        const record = await readPending(entry.id);
        if ((await store.delete(pendingKey(entry.id))) && record) claimed.push(record);
      }
      await store.removeFromSet(index, entry.member);
    }
    return claimed;
  }

  const sessionsEnding = (user: string): StoreWrite => ({
    op: 'set',
    key: sessionEpochKey(user),
    value: randomBytes(16).toString('base64url'),
  });

  return {
    sessionEpoch: (user) => store.get(sessionEpochKey(user)),
    sessionsEnding,

    async createSession(user, role, jar, secondStep, epoch, origin) {
      const time = now();
      const record: SessionRecord = {
        id: newId(),
        user,
        role,
        secondStep,
        // A trusted browser passed no step now: a path rule asking for one asks for it.
        secondStepAt: secondStep === 'none' || secondStep === 'trusted_browser' ? undefined : time,
        createdAt: time,
        seenAt: time,
        endsAt: time + options.settings().absoluteMs,
        jar: withoutExpired(jar, time),
        vaultGeneration: 0,
        client: origin?.client,
        agent: origin?.agent,
        epoch,
      };
      await store.set(sessionKey(record.id), storedText(record), ttlOf(record));
      cacheWritten(record);
      await moveOldIndex(user);
      await store.addOrdered(userIndexKey(user), indexMember(record), record.createdAt);
      await store.addToSet(USERS_INDEX, user);
      await store.set(lastSignInKey(user), String(time));
      await pruneSessions(user);
      return record;
    },

    async getSession(id, generation = 0) {
      let record = fromCache(id, generation);
      if (!record) {
        cache.delete(id);
        record = await readSession(id);
        if (record) cache.set(id, { record, at: now(), serves: Math.max(record.vaultGeneration, generation) });
      }
      return record && alive(record) ? record : undefined;
    },

    cachedSession(id, generation = 0) {
      const record = fromCache(id, generation);
      return record && alive(record) ? record : undefined;
    },

    touch(session) {
      const refreshEvery = Math.min(60_000, options.settings().idleMs / 4);
      if (now() - session.seenAt < refreshEvery) return undefined;
      // In the session's queue (no race with this process's own writes), on the freshest record:
      // a session ended since this request read it (a logout, a revocation) is not written back to
      // life, and no vault change is lost, whichever gateway made it.
      return oneAtATime(session.id, async () => {
        try {
          await rewrite(session.id, (record) => ({ ...record, seenAt: now() }));
        } catch (error) {
          // Others wrote the record meanwhile, and each write of theirs slid it too: nothing lost.
          if (!(error instanceof StoreContendedError)) throw error;
        }
      });
    },

    markSecondStep(id) {
      // As touch and updateVault write it. A contended record rejects: the step is not recorded,
      // and the caller answers as for a store failure rather than pretend it was.
      return oneAtATime(id, () =>
        rewrite(id, (record) => (alive(record) ? { ...record, secondStepAt: now(), seenAt: now() } : undefined)),
      );
    },

    updateVault(id, changes) {
      if (changes.size === 0) return Promise.resolve(undefined);
      // Each answer's changes are merged into the freshest record, so that concurrent answers
      // setting different cookies all land, on one gateway or several. A contended record
      // rejects, as a store failure does (vault-binding.ts logs it): never a silent loss.
      return oneAtATime(id, async () => {
        const written = await rewrite(id, (record) => {
          const jar = applyChanges(record.jar, changes);
          return jar === record.jar ? undefined : { ...record, jar, vaultGeneration: record.vaultGeneration + 1 };
        });
        return written?.vaultGeneration;
      });
    },

    endSession,

    async listSessions(user) {
      const records: SessionRecord[] = [];
      // One of an earlier epoch was ended with the others (a login that listed itself just after
      // the end read the index): not shown nor counted, and gone from the index and the store.
      const epoch = await store.get(sessionEpochKey(user));
      for (const entry of await indexedSessions(user)) {
        const record = await readSession(entry.id);
        if (record && alive(record) && record.epoch === epoch) records.push(record);
        else await endIndexed(user, [entry]);
      }
      return records;
    },

    async endOtherSessions(user, keepId) {
      const ended: string[] = [];
      for (const { member, id } of await indexedSessions(user)) {
        if (id === keepId) continue;
        const record = await endSession(id);
        await store.removeOrdered(userIndexKey(user), member);
        if (record && alive(record)) ended.push(id);
      }
      return ended;
    },

    async revoke(target) {
      const users = typeof target === 'string' ? [target] : await store.members(USERS_INDEX);
      const ended: string[] = [];
      for (const user of users) {
        // The epoch first: from here on, a session of this user the index read below misses (a
        // login that wrote its record but had not listed it yet) carries an older one and no
        // longer stands, on every gateway within the role cache's life (ROLE_CACHE_MS).
        await store.writeAll([sessionsEnding(user)]);
        for (const { member, id } of await indexedSessions(user)) {
          const record = await endSession(id);
          if (record && alive(record)) ended.push(id);
          // An entry whose record is gone (expired) is dropped from the index here.
          await store.removeOrdered(userIndexKey(user), member);
        }
      }
      return ended;
    },

    signedInUsers: () => store.members(USERS_INDEX),

    async lastSignIn(user) {
      const at = Number(await store.get(lastSignInKey(user)));
      return Number.isSafeInteger(at) && at > 0 ? at : undefined;
    },

    async createPending(input) {
      const time = now();
      const id = newId();
      const endsAt = time + options.settings().pendingMs;
      const stored: StoredPending = {
        user: input.user,
        role: input.role,
        step: input.step,
        replaces: input.replaces,
        createdAt: time,
        endsAt,
        vault: sealJar(id, input.jar),
        withheld: sealer.seal(JSON.stringify(input.withheld), `withheld:${id}`),
        origin: input.origin,
        epoch: input.epoch,
      };
      await store.set(pendingKey(id), JSON.stringify(stored), endsAt - time + PENDING_GRACE_MS);
      await store.addToSet(PENDING_INDEX, indexMember({ id, createdAt: time, endsAt }));
      await store.addToSet(pendingIndexKey(input.user), indexMember({ id, createdAt: time, endsAt }), endsAt - time);
      // The user's oldest beyond the cap end here. An ended one leaves only this index: it is the
      // sweep's to claim (intercept/pending-expiry.ts).
      const evicted = await dropPending(
        pendingIndexKey(input.user),
        (entries, at) => entriesToDrop(entries, at, options.settings().maxPendingPerUser),
        (entry, at) => entry.endsAt > at,
      );
      return { pending: { ...input, id, createdAt: time, endsAt }, evicted };
    },

    async getPending(id) {
      const record = await readPending(id);
      return record && now() < record.endsAt ? record : undefined;
    },

    countAttempt(pending) {
      return store.increment(`pending-attempts:${pending.id}`, Math.max(1, pending.endsAt - now()));
    },

    // The attempts counter outlives the record until its own TTL: a guess that read the record
    // before another gateway ended it must find the count used up, not a fresh one (issue 11).
    endPending: async (id) => store.delete(pendingKey(id)),

    claimExpiredPending: () =>
      dropPending(
        PENDING_INDEX,
        (entries, at) => entries.filter((entry) => entry.endsAt <= at),
        () => true,
      ),
  };
}
