// S9, issue 11 item 4: after the second step the app's withheld redirect is replayed as a
// redirect, but a Location that leaves the public origin (the app's own open redirect fed
// `//evil.example`, `/\evil.example`, a tab, an encoded newline, another host, another scheme)
// becomes the configured landing path, with an audit event. Same-origin targets, relative ones
// included (read against the login's own path), are kept.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sameOriginLocation } from '../../src/http/return-path.js';
import { CGI_ADMIN, type CgiHarness, cgiLogin, startCgiHarness } from '../helpers/cgi-app.js';

const ORIGIN = 'https://gw.example';
const BASE = '/cgi/login.pl';
const LANDING = '/cgi/main.pl';
const STEP_MS = 30_000;

const OFF_SITE = [
  '//evil.example',
  '//evil.example/cgi/main.pl',
  '/\\evil.example',
  '\\\\evil.example',
  '/\t/evil.example',
  '\t//evil.example',
  '/%09/evil.example',
  '/%0A/evil.example',
  '/%2F/evil.example',
  '/.//evil.example',
  'https://evil.example/',
  'http://evil.example',
  'javascript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
];

describe('sameOriginLocation', () => {
  const kept: Array<[string, string]> = [
    ['/cgi/menu.pl', '/cgi/menu.pl'],
    ['main.pl?tab=1', '/cgi/main.pl?tab=1'],
    ['../index.html', '/index.html'],
    ['?x=1', '/cgi/login.pl?x=1'],
    [`${ORIGIN}/invoices?x=1#top`, '/invoices?x=1#top'],
  ];
  for (const [location, path] of kept) {
    test(`keeps ${location}`, () => assert.equal(sameOriginLocation(location, ORIGIN, BASE), path));
  }
  test('compares origins as the URL parser spells them (a Host with case and the default port)', () => {
    assert.equal(sameOriginLocation(`${ORIGIN}/invoices`, 'https://GW.example:443', BASE), '/invoices');
    assert.equal(sameOriginLocation('https://evil.example/', 'https://GW.example:443', BASE), undefined);
  });
  const dropped = [
    ...OFF_SITE,
    'http://gw.example/invoices',
    'https://gw.example:8443/invoices',
    // Another scheme without slashes is another origin; the same scheme would be a relative path.
    'http:evil.example',
    '/cgi/a\nb',
    '/cgi/a\rb',
  ];
  for (const location of dropped) {
    test(`drops ${JSON.stringify(location)}`, () =>
      assert.equal(sameOriginLocation(location, ORIGIN, BASE), undefined));
  }
});

describe('a withheld redirect replayed after the TOTP step', () => {
  let harness: CgiHarness;
  let secret: string;

  before(async () => {
    harness = await startCgiHarness();
    const browser = harness.browser();
    await cgiLogin(browser);
    ({ secret } = await browser.enroll());
  });
  after(() => harness.close());

  /** Logs in with the app's open redirect pointed at `next`; the answer to the passed step. */
  async function replayedLocation(next: string): Promise<{ status: number; location: string | undefined }> {
    harness.clock.advance(STEP_MS);
    const browser = harness.browser();
    const login = await cgiLogin(browser, CGI_ADMIN, { next });
    assert.equal(login.location, '/_gateway/step-up');
    const passed = await browser.stepUp(harness.code(secret));
    return { status: passed.status, location: passed.location };
  }

  // A raw newline cannot be in a header the app sends: its encoded forms are in OFF_SITE.
  const scheme = () => harness.gatewayUrl.replace(/^http:/, 'https:');
  const offSite: Array<string | (() => string)> = [...OFF_SITE, 'https:evil.example', () => `${scheme()}/cgi/menu.pl`];
  for (const trick of offSite) {
    test(`${typeof trick === 'string' ? JSON.stringify(trick) : 'the gateway over another scheme'} becomes the landing path`, async () => {
      const replayed = await replayedLocation(typeof trick === 'string' ? trick : trick());
      assert.equal(replayed.status, 302, "the app's own redirect, still a redirect");
      assert.equal(replayed.location, LANDING);
    });
  }

  test('the dropped redirect is an audit event naming the user', () => {
    const events = harness
      .logText()
      .split('\n')
      .filter((line) => line.includes('"login.redirect_dropped"'));
    assert.ok(events.length >= OFF_SITE.length);
    assert.match(events[0] as string, /"user":"ada"/);
  });

  const kept: Array<[string | (() => string), string]> = [
    ['/cgi/menu.pl?x=1', '/cgi/menu.pl?x=1'],
    ['menu.pl', '/cgi/menu.pl'],
    [() => `${harness.gatewayUrl}/cgi/menu.pl`, '/cgi/menu.pl'],
    // The app naming its own address: rewritten to the public origin, then kept.
    [() => `${harness.app.url}/cgi/menu.pl`, '/cgi/menu.pl'],
  ];
  for (const [next, path] of kept) {
    test(`a same-origin ${typeof next === 'string' ? next : 'absolute URL'} is kept as ${path}`, async () => {
      const replayed = await replayedLocation(typeof next === 'string' ? next : next());
      assert.equal(replayed.status, 302);
      assert.equal(replayed.location, path);
    });
  }
});
