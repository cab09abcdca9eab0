// The recent-audit trail (issue 16): audit events reach the shared store redacted as the log
// redacts them, newest first, filtered by user, event and time; a failing store never fails
// (nor holds up) what was audited.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { audit } from '../../src/ops/audit.js';
import { type AuditLine, createAuditTrail, keepAuditTrail, matchesAuditFilter } from '../../src/ops/audit-trail.js';
import { createLogger } from '../../src/ops/logger.js';
import { createMemoryStore } from '../../src/store/memory.js';
import { StoreUnavailableError } from '../../src/store/store.js';
import { memoryLog } from '../helpers/gateway.js';

function setUp() {
  let time = Date.UTC(2030, 0, 1);
  const now = () => time;
  const store = createMemoryStore({ now });
  const log = memoryLog();
  const logger = createLogger({ level: 'info', destination: log.stream });
  const trail = createAuditTrail(store, now, logger);
  keepAuditTrail(logger, trail);
  return { store, logger, trail, log, advance: (ms: number) => (time += ms), now };
}

test('audit events reach the trail, newest first, with the time and their facts', async () => {
  const { logger, trail, advance, now } = setUp();
  audit(logger, 'session.revoked', { user: 'bob', sessions: 2, by: 'admin_page', admin: 'alice' });
  const first = now();
  advance(1_000);
  audit(logger, 'enrollment.factor_reset', { user: 'bob', removed: ['TOTP'] });
  await trail.settled();
  const lines = await trail.recent();
  assert.deepEqual(
    lines.map((line) => [line.event, line.at]),
    [
      ['enrollment.factor_reset', first + 1_000],
      ['session.revoked', first],
    ],
  );
  assert.deepEqual(lines[1]?.facts, { user: 'bob', sessions: 2, by: 'admin_page', admin: 'alice' });
});

test('no secret reaches the trail: the log redaction applies', async () => {
  const { logger, trail, store } = setUp();
  audit(logger, 'login.refused', {
    user: 'bob',
    password: 'hunter2',
    secret: 'JBSWY3DPEHPK3PXP',
    token: 'tok-123',
    otp: '123456',
    cookie: 'sid=abc',
    form: { answer: 'Rex', password: 'p2' },
  });
  await trail.settled();
  const raw = (await store.listItems('audit:recent')).join('\n');
  for (const secret of ['hunter2', 'JBSWY3DPEHPK3PXP', 'tok-123', '123456', 'sid=abc', 'Rex', 'p2']) {
    assert.doesNotMatch(raw, new RegExp(secret), secret);
  }
  const [line] = await trail.recent();
  assert.equal(line?.facts.password, '[Redacted]');
  assert.deepEqual(line?.facts.form, { answer: '[Redacted]', password: '[Redacted]' });
  assert.equal(line?.facts.user, 'bob');
});

test('filters: the user (or the admin who acted), an event or its family, a time range', () => {
  const line = (event: string, at: number, facts: Record<string, unknown>): AuditLine => ({ event, at, facts });
  const revoked = line('session.revoked', 1_000, { user: 'bob', admin: 'alice' });
  const rows: Array<[Parameters<typeof matchesAuditFilter>[1], boolean]> = [
    [{}, true],
    [{ user: 'bob' }, true],
    [{ user: 'alice' }, true],
    [{ user: 'carol' }, false],
    [{ event: 'session.revoked' }, true],
    [{ event: 'session' }, true],
    [{ event: 'sess' }, false],
    [{ event: 'session.revoked.x' }, false],
    [{ from: 1_000 }, true],
    [{ from: 1_001 }, false],
    [{ to: 1_000 }, false],
    [{ to: 1_001 }, true],
    [{ user: 'bob', event: 'login', from: 0 }, false],
  ];
  for (const [filter, expected] of rows)
    assert.equal(matchesAuditFilter(revoked, filter), expected, JSON.stringify(filter));
});

test('a store that fails loses the trail line, never the audit: nothing throws, the log says so once', async () => {
  const { logger, trail, store, log } = setUp();
  await store.close();
  audit(logger, 'session.revoked', { user: 'bob', sessions: 1 });
  audit(logger, 'session.revoked', { user: 'carol', sessions: 1 });
  await trail.settled();
  assert.match(log.text(), /"event":"session.revoked","user":"carol"/, 'the log keeps the record');
  assert.equal(log.text().match(/audit_trail.unavailable/g)?.length, 1);
  await assert.rejects(trail.recent(), StoreUnavailableError);
});
