// Issue 14: the gateway serves Prometheus metrics on a listener of its own (loopback, not the
// public port), fed by what happened: a scrape after a login, a wrong password, a proxied page,
// a gateway page and an admin's step-up shows each counted, in a format a scraper parses; a login
// put off as busy is a login outcome of its own; with a token file, a scrape without the token is
// refused.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ADMIN, type LoginHarness, STAFF, startLoginHarness } from '../helpers/login-harness.js';
import { parseExposition } from '../helpers/prometheus-text.js';

let harness: LoginHarness;
let guarded: LoginHarness | undefined;

before(async () => {
  harness = await startLoginHarness({ overrides: { metrics: { port: 0 } } });
});
after(async () => {
  await guarded?.close();
  await harness?.close();
});

async function scrape(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

test('a scrape parses and counts requests, logins, second steps, the store and the build', async () => {
  const url = harness.gateway.metricsUrl as string;
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/, 'loopback, a port of its own');
  assert.notEqual(new URL(url).port, new URL(harness.gateway.url).port);

  const staff = harness.browser();
  assert.equal((await staff.login(STAFF.user, STAFF.password)).location, '/dashboard');
  assert.equal((await staff.get('/dashboard')).status, 200);
  await harness.browser().login(STAFF.user, 'wrong password');
  // An admin owes a second step: a pending login whose enrollment is the step; then a wrong code and the right one.
  const { secret } = await harness.enrollAdmin();
  const admin = harness.browser();
  assert.equal((await admin.login(ADMIN.user, ADMIN.password)).location, '/_gateway/step-up');
  await admin.stepUp('000000');
  assert.equal((await admin.stepUp(harness.code(secret))).location, '/dashboard');
  assert.equal((await staff.get('/_gateway/healthz')).status, 200);

  const { status, type, text } = await scrape(url);
  assert.equal(status, 200);
  assert.match(type ?? '', /^text\/plain; version=0\.0\.4/);
  const metrics = parseExposition(text);
  assert.equal(metrics.types.get('gateway_requests_total'), 'counter');
  assert.equal(metrics.types.get('gateway_upstream_duration_seconds'), 'histogram');
  assert.ok((metrics.value('gateway_requests_total', { status_class: '2xx', route: 'upstream' }) ?? 0) >= 2);
  assert.ok((metrics.value('gateway_requests_total', { status_class: '2xx', route: 'gateway' }) ?? 0) >= 1);
  assert.ok((metrics.value('gateway_upstream_duration_seconds_count') ?? 0) >= 2);
  assert.equal(metrics.value('gateway_logins_total', { outcome: 'succeeded' }), 1);
  assert.equal(metrics.value('gateway_logins_total', { outcome: 'password_failed' }), 1);
  assert.equal(metrics.value('gateway_logins_total', { outcome: 'step_up_required' }), 2);
  assert.equal(metrics.value('gateway_logins_total', { outcome: 'refused' }), 0, 'a series from the start');
  assert.equal(metrics.value('gateway_sessions_started_total'), 3);
  assert.equal(metrics.value('gateway_pending_logins_total', { event: 'started' }), 2);
  assert.equal(metrics.value('gateway_second_steps_total', { factor: 'enrollment', outcome: 'passed' }), 1);
  assert.equal(metrics.value('gateway_second_steps_total', { factor: 'totp', outcome: 'failed' }), 1);
  assert.equal(metrics.value('gateway_second_steps_total', { factor: 'totp', outcome: 'passed' }), 1);
  assert.ok((metrics.value('gateway_store_duration_seconds_count', { operation: 'set' }) ?? 0) >= 1);
  assert.equal(metrics.value('gateway_store_errors_total', { operation: 'set' }), undefined, 'no store error');
  assert.equal(metrics.value('gateway_argon2_operations', { state: 'waiting' }), 0);
  assert.equal(metrics.value('gateway_websockets_open'), 0);
  assert.equal(metrics.value('gateway_allowlist_refusals_total'), 0);
  assert.equal(metrics.value('gateway_config_reloads_total', { outcome: 'failed' }), 0);
  assert.equal(metrics.value('gateway_build_info', { node: process.version }), 1);
  assert.ok(metrics.value('process_resident_memory_bytes'), 'the process metrics too');

  const other = await scrape(url.replace('/metrics', '/other'));
  assert.equal(other.status, 404);
  const page = await staff.get('/metrics');
  assert.ok(!page.text.includes('gateway_requests_total'), 'never on the public port');
});

test('a login put off as busy is counted as the login outcome busy', async () => {
  const url = harness.gateway.metricsUrl as string;
  assert.equal(parseExposition((await scrape(url)).text).value('gateway_logins_total', { outcome: 'busy' }), 0);
  // Other users' logins being checked from this address (on other gateways) fill its places.
  const limits = harness.gateway.login!.passwordLimits;
  const others = [];
  for (let i = 0; i < harness.config.limits.password.address_users; i++) {
    const reserved = await limits.reserve(`colleague${i}`, '127.0.0.1');
    if (!reserved.ok) break;
    others.push(reserved.attempt);
  }
  try {
    assert.equal((await harness.browser().login(ADMIN.user, ADMIN.password)).status, 503);
  } finally {
    for (const attempt of others) await attempt.passed();
  }
  assert.match(harness.logText(), /"event":"lockout\.busy"/);
  assert.equal(parseExposition((await scrape(url)).text).value('gateway_logins_total', { outcome: 'busy' }), 1);
});

test('with a token file, a scrape needs the bearer token', async () => {
  const tokenFile = join(harness.dataDir, 'metrics-token');
  await writeFile(tokenFile, 'scrape-me-0123456789\n', { mode: 0o600 });
  guarded = await startLoginHarness({ overrides: { metrics: { port: 0, token_file: tokenFile } } });
  const url = guarded.gateway.metricsUrl as string;
  const attempts: Array<Record<string, string>> = [
    {},
    { authorization: 'Bearer wrong' },
    { authorization: 'Basic c2NyYXBlLW1l' },
  ];
  for (const headers of attempts) {
    const refused = await scrape(url, headers);
    assert.equal(refused.status, 401, JSON.stringify(headers));
    assert.ok(!refused.text.includes('gateway_'), 'nothing of the metrics');
  }
  const allowed = await scrape(url, { authorization: 'Bearer scrape-me-0123456789' });
  assert.equal(allowed.status, 200);
  assert.ok(parseExposition(allowed.text).value('gateway_build_info', { node: process.version }));
});
