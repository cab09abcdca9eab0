// Header hygiene in both directions (S7, S8) and the rewriting of what names the upstream's
// internal address (Location, Set-Cookie Domain), all on a hand-built request scope.

import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { before, describe, test } from 'node:test';
import { compileConfig, type RuntimeConfig } from '../../src/config/runtime.js';
import type { RequestScope } from '../../src/http/scope.js';
import { headerKey } from '../../src/net/header-key.js';
import { readAddress } from '../../src/net/ip.js';
import { connectionTokens, HOP_BY_HOP, isHopByHop, withoutHopByHop } from '../../src/proxy/hop-headers.js';
import { buildUpstreamHeaders } from '../../src/proxy/request-headers.js';
import { buildClientHeaders, privateCacheControl, publicOrigin } from '../../src/proxy/response-headers.js';
import { rewriteLocation } from '../../src/proxy/rewrite.js';
import { outgoingSetCookies, rewriteSetCookieDomain } from '../../src/proxy/upstream-cookies.js';
import { testConfig } from '../helpers/gateway.js';

const UPSTREAM = 'http://app.internal:3001';

async function runtimeWith(upstream: Record<string, unknown> = {}): Promise<RuntimeConfig> {
  return compileConfig(await testConfig({ upstream: { url: UPSTREAM, ...upstream } }));
}

function scopeWith(runtime: RuntimeConfig, overrides: Partial<RequestScope> = {}): RequestScope {
  return {
    id: 'req-1',
    startedAt: 0,
    runtime,
    client: {
      address: '198.51.100.7',
      key: readAddress('198.51.100.7')?.key,
      peer: '10.0.0.1',
      trustedPeer: true,
      forwardedFor: ['198.51.100.7', '10.0.0.1'],
    },
    proto: 'https',
    host: 'gw.example',
    target: { path: '/x', search: '', routingPath: '/x' },
    ...overrides,
  };
}

/** The flat [name, value, …] list as [lower-cased name, value] pairs. */
function pairs(flat: readonly string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < flat.length; i += 2) out.push([(flat[i] as string).toLowerCase(), flat[i + 1] as string]);
  return out;
}

/** The headers kept from the client: all but the six the gateway appends last (no upgrade). */
function fromClient(flat: readonly string[]): string[] {
  return flat.slice(0, -12);
}

/** Every value sent for a name (compared lower-cased). */
function valuesOf(flat: readonly string[], name: string): string[] {
  return pairs(flat)
    .filter(([key]) => key === name)
    .map(([, value]) => value);
}

let runtime: RuntimeConfig;
before(async () => {
  runtime = await runtimeWith();
});

describe('hop-headers', () => {
  test('the fixed hop-by-hop list', () => {
    for (const name of [
      'connection',
      'keep-alive',
      'proxy-connection',
      'proxy-authenticate',
      'proxy-authorization',
      'te',
      'trailer',
      'transfer-encoding',
      'upgrade',
    ]) {
      assert.ok(HOP_BY_HOP.has(name), name);
    }
  });

  test('connectionTokens reads every line and token, lower-cased and trimmed', () => {
    assert.deepEqual(connectionTokens(undefined), new Set());
    assert.deepEqual(connectionTokens(' Keep-Alive , X-Foo,,'), new Set(['keep-alive', 'x-foo']));
    assert.deepEqual(connectionTokens(['close', 'X-Bar, x-baz']), new Set(['close', 'x-bar', 'x-baz']));
  });

  test('connectionTokens gives the same tokens for a value read again (remembered), short or long, alone or in a list', () => {
    const long = `keep-alive, ${'x-'.repeat(40)}long`;
    for (const value of ['Keep-Alive, X-Foo', long]) {
      const first = new Set(connectionTokens(value));
      assert.deepEqual(connectionTokens(value), first);
      assert.deepEqual(connectionTokens([value]), first);
    }
    assert.deepEqual(connectionTokens(['Keep-Alive, X-Foo', 'x-bar']), new Set(['keep-alive', 'x-foo', 'x-bar']));
    assert.deepEqual(connectionTokens(''), new Set());
  });

  test('isHopByHop: fixed names and names the Connection header lists', () => {
    const tokens = new Set(['x-secret']);
    assert.equal(isHopByHop('te', tokens), true);
    assert.equal(isHopByHop('x-secret', tokens), true);
    assert.equal(isHopByHop('x-other', tokens), false);
  });

  test('withoutHopByHop drops hop-by-hop response headers and those Connection names', () => {
    const kept = withoutHopByHop({
      connection: 'keep-alive, X-Internal',
      'keep-alive': 'timeout=5',
      'transfer-encoding': 'chunked',
      'x-internal': 'debug',
      'content-type': 'text/html',
      'set-cookie': ['a=1', 'b=2'],
    });
    assert.deepEqual(kept, { 'content-type': 'text/html', 'set-cookie': ['a=1', 'b=2'] });
  });
});

describe('buildUpstreamHeaders', () => {
  test('headerKey reads "_" as "-" and ignores case', () => {
    assert.equal(headerKey('X_Forwarded_For'), 'x-forwarded-for');
    assert.equal(headerKey('X-REAL-IP'), 'x-real-ip');
  });

  test('keeps ordinary headers with their original case, order and repeats', () => {
    const headers = buildUpstreamHeaders(
      ['Accept', 'text/html', 'X-Custom', 'one', 'cookie', 'a=1', 'X-Custom', 'two', 'Content-Length', '3'],
      scopeWith(runtime),
      { host: 'app.internal:3001' },
    );
    assert.deepEqual(fromClient(headers), [
      'Accept',
      'text/html',
      'X-Custom',
      'one',
      'cookie',
      'a=1',
      'X-Custom',
      'two',
      'Content-Length',
      '3',
    ]);
  });

  const hopByHop = [
    'Connection',
    'Keep-Alive',
    'Proxy-Connection',
    'Proxy-Authenticate',
    'Proxy-Authorization',
    'TE',
    'Trailer',
    'Transfer-Encoding',
    'Upgrade',
  ];
  test('drops every hop-by-hop header', () => {
    const raw = hopByHop.flatMap((name) => [name, 'x']);
    const headers = buildUpstreamHeaders(raw, scopeWith(runtime), { host: 'h' });
    for (const name of hopByHop) assert.deepEqual(valuesOf(headers, name.toLowerCase()), [], name);
  });

  test('drops the headers Connection names, on any of several Connection lines', () => {
    const headers = buildUpstreamHeaders(
      ['Connection', 'X-A, x-b', 'X-A', '1', 'X-B', '2', 'connection', 'X-C', 'X-C', '3', 'X-D', '4'],
      scopeWith(runtime),
      { host: 'h' },
    );
    assert.deepEqual(pairs(fromClient(headers)), [['x-d', '4']]);
  });

  const identitySpellings = [
    'Host',
    'host',
    'Forwarded',
    'X-Forwarded-For',
    'x-forwarded-for',
    'X-FORWARDED-FOR',
    'X_Forwarded_For',
    'x_forwarded-for',
    'X-Forwarded-Proto',
    'X_Forwarded_Proto',
    'X-Forwarded-Host',
    'X_FORWARDED_HOST',
    'X-Forwarded-Port',
    'X-Real-IP',
    'X-REAL-IP',
    'X_Real_Ip',
    'X-Request-Id',
    'X_REQUEST_ID',
  ];
  test('drops client identity headers in every spelling and sends only the gateway’s own', () => {
    const raw = identitySpellings.flatMap((name) => [name, '6.6.6.6']);
    const headers = buildUpstreamHeaders(raw, scopeWith(runtime), { host: 'app.internal:3001' });
    assert.ok(!headers.includes('6.6.6.6'), `a spoofed value reached upstream: ${JSON.stringify(headers)}`);
    assert.deepEqual(pairs(headers), [
      ['host', 'app.internal:3001'],
      ['x-forwarded-for', '198.51.100.7, 10.0.0.1'],
      ['x-forwarded-proto', 'https'],
      ['x-forwarded-host', 'gw.example'],
      ['x-real-ip', '198.51.100.7'],
      ['x-request-id', 'req-1'],
    ]);
  });

  const overrides = [
    'X-HTTP-Method-Override',
    'X_HTTP_Method_Override',
    'x-http-method',
    'X-Method-Override',
    'X-Original-URL',
    'X_Original_Url',
    'X-Rewrite-URL',
    'x_rewrite_url',
    'X-Original-Method',
    'Expect',
  ];
  test('drops method and URL override headers in every spelling', () => {
    const raw = overrides.flatMap((name) => [name, 'DELETE /admin']);
    const headers = buildUpstreamHeaders(raw, scopeWith(runtime), { host: 'h' });
    assert.ok(!headers.includes('DELETE /admin'), JSON.stringify(headers));
  });

  test('a client cannot strip X-Forwarded-For (or any header the gateway adds) through Connection', () => {
    const headers = buildUpstreamHeaders(
      [
        'Connection',
        'X-Forwarded-For, X-Real-IP, X-Request-Id, Host, X-Forwarded-Proto, X-Forwarded-Host',
        'X-Forwarded-For',
        '6.6.6.6',
      ],
      scopeWith(runtime),
      { host: 'app.internal:3001' },
    );
    assert.deepEqual(valuesOf(headers, 'x-forwarded-for'), ['198.51.100.7, 10.0.0.1']);
    assert.deepEqual(valuesOf(headers, 'x-real-ip'), ['198.51.100.7']);
    assert.deepEqual(valuesOf(headers, 'x-request-id'), ['req-1']);
    assert.deepEqual(valuesOf(headers, 'host'), ['app.internal:3001']);
    assert.deepEqual(valuesOf(headers, 'x-forwarded-proto'), ['https']);
    assert.deepEqual(valuesOf(headers, 'x-forwarded-host'), ['gw.example']);
    assert.deepEqual(valuesOf(headers, 'connection'), []);
  });

  test('an untrusted peer: X-Forwarded-For is the peer alone', () => {
    const scope = scopeWith(runtime, {
      client: {
        address: '203.0.113.9',
        key: readAddress('203.0.113.9')?.key,
        peer: '203.0.113.9',
        trustedPeer: false,
        forwardedFor: ['203.0.113.9'],
      },
      proto: 'http',
    });
    const headers = buildUpstreamHeaders(['X-Forwarded-For', '1.1.1.1'], scope, { host: 'h' });
    assert.deepEqual(valuesOf(headers, 'x-forwarded-for'), ['203.0.113.9']);
    assert.deepEqual(valuesOf(headers, 'x-real-ip'), ['203.0.113.9']);
    assert.deepEqual(valuesOf(headers, 'x-forwarded-proto'), ['http']);
  });

  test('a WebSocket handshake keeps Upgrade and Connection: upgrade, set by the gateway', () => {
    const headers = buildUpstreamHeaders(
      ['Connection', 'Upgrade, X-Forwarded-For', 'Upgrade', 'h2c', 'Sec-WebSocket-Key', 'k'],
      scopeWith(runtime),
      { host: 'h', upgrade: 'websocket' },
    );
    assert.deepEqual(valuesOf(headers, 'connection'), ['upgrade']);
    assert.deepEqual(valuesOf(headers, 'upgrade'), ['websocket']);
    assert.deepEqual(valuesOf(headers, 'sec-websocket-key'), ['k']);
  });

  test('the Host sent is the one the caller chose (upstream or preserved)', () => {
    assert.deepEqual(
      valuesOf(buildUpstreamHeaders(['Host', 'evil'], scopeWith(runtime), { host: 'gw.example' }), 'host'),
      ['gw.example'],
    );
  });
});

describe('rewriteLocation', () => {
  const pub = 'https://gw.example';
  const rows: Array<[location: string, upstreamOrigin: string, expected: string]> = [
    // The upstream origin, in any spelling URL parsing treats as the same origin.
    ['http://app.internal:3001/invoices?id=1#top', 'http://app.internal:3001', 'https://gw.example/invoices?id=1#top'],
    ['http://app.internal:3001', 'http://app.internal:3001', 'https://gw.example'],
    ['http://app.internal:3001?x=1', 'http://app.internal:3001', 'https://gw.example?x=1'],
    ['HTTP://APP.INTERNAL:3001/a', 'http://app.internal:3001', 'https://gw.example/a'],
    ['Http://App.Internal:3001/a', 'http://app.internal:3001', 'https://gw.example/a'],
    ['http://app.internal/a', 'http://app.internal', 'https://gw.example/a'],
    ['http://app.internal:80/a', 'http://app.internal', 'https://gw.example/a'],
    ['https://app.internal:443/a', 'https://app.internal', 'https://gw.example/a'],
    ['https://app.internal/a', 'https://app.internal', 'https://gw.example/a'],
    ['http://127.0.0.1:3001/a', 'http://127.0.0.1:3001', 'https://gw.example/a'],
    ['http://[::1]:3001/a', 'http://[::1]:3001', 'https://gw.example/a'],
    // Scheme-relative: the upstream's host and port is still the upstream.
    ['//app.internal:3001/a?b=1', 'http://app.internal:3001', 'https://gw.example/a?b=1'],
    ['//evil.example/a', 'http://app.internal:3001', '//evil.example/a'],
    // The rest byte for byte, however odd.
    [
      'http://app.internal:3001/A%2fB/%7e?q=%41&q=a+b#F',
      'http://app.internal:3001',
      'https://gw.example/A%2fB/%7e?q=%41&q=a+b#F',
    ],
    ['http://app.internal:3001//double//', 'http://app.internal:3001', 'https://gw.example//double//'],
    // Relative locations are the browser's to resolve against the public origin.
    ['/login', 'http://app.internal:3001', '/login'],
    ['login?x=1', 'http://app.internal:3001', 'login?x=1'],
    ['?x=1', 'http://app.internal:3001', '?x=1'],
    ['#top', 'http://app.internal:3001', '#top'],
    ['', 'http://app.internal:3001', ''],
    // Other origins: another host, port or scheme, or a host hidden in userinfo.
    ['https://accounts.example/oauth?x=1', 'http://app.internal:3001', 'https://accounts.example/oauth?x=1'],
    ['http://app.internal:3002/a', 'http://app.internal:3001', 'http://app.internal:3002/a'],
    ['https://app.internal:3001/a', 'http://app.internal:3001', 'https://app.internal:3001/a'],
    ['http://app.internal/a', 'http://app.internal:3001', 'http://app.internal/a'],
    ['http://app.internal.evil/a', 'http://app.internal', 'http://app.internal.evil/a'],
    ['http://app.internal:3001@evil.example/a', 'http://app.internal:3001', 'http://app.internal:3001@evil.example/a'],
    ['http://app.internal:30010/a', 'http://app.internal:3001', 'http://app.internal:30010/a'],
    ['ftp://app.internal:3001/a', 'http://app.internal:3001', 'ftp://app.internal:3001/a'],
    ['http://:3001/a', 'http://app.internal:3001', 'http://:3001/a'],
  ];
  for (const [location, upstreamOrigin, expected] of rows) {
    test(`${JSON.stringify(location)} from ${upstreamOrigin} -> ${JSON.stringify(expected)}`, () => {
      assert.equal(rewriteLocation(location, upstreamOrigin, pub), expected);
    });
  }
});

describe('rewriteSetCookieDomain', () => {
  const rows: Array<[setCookie: string, expected: string]> = [
    ['sid=abc; Domain=app.internal; Path=/; HttpOnly', 'sid=abc; Path=/; HttpOnly'],
    ['sid=abc; Domain=.app.internal; Path=/', 'sid=abc; Path=/'],
    ['sid=abc; domain=APP.Internal; Path=/', 'sid=abc; Path=/'],
    ['sid=abc; DOMAIN=.App.INTERNAL', 'sid=abc'],
    ['sid=abc;Domain=app.internal;Path=/;Secure', 'sid=abc;Path=/;Secure'],
    ['sid=abc; Domain = app.internal ; Path=/', 'sid=abc; Path=/'],
    ['sid=abc; Path=/; Domain=app.internal; HttpOnly; Domain=.app.internal', 'sid=abc; Path=/; HttpOnly'],
    // Other domains are kept: the browser decides what to do with them.
    ['sid=abc; Domain=example.com; Path=/', 'sid=abc; Domain=example.com; Path=/'],
    ['sid=abc; Domain=sub.app.internal', 'sid=abc; Domain=sub.app.internal'],
    ['sid=abc; Domain=internal', 'sid=abc; Domain=internal'],
    ['sid=abc; Domain=app.internal.evil', 'sid=abc; Domain=app.internal.evil'],
    // Everything else byte for byte, including the cookie's own value.
    [
      'sid=a=b;c; Expires=Wed, 21 Oct 2037 07:28:00 GMT;  SameSite=Lax',
      'sid=a=b;c; Expires=Wed, 21 Oct 2037 07:28:00 GMT;  SameSite=Lax',
    ],
    ['domain=app.internal; Path=/', 'domain=app.internal; Path=/'],
    ['sid=Domain=app.internal; Domain=app.internal', 'sid=Domain=app.internal'],
    ['sid=abc; Max-Age=0; Domain=app.internal; Partitioned', 'sid=abc; Max-Age=0; Partitioned'],
    ['sid=abc', 'sid=abc'],
  ];
  for (const [setCookie, expected] of rows) {
    test(`${JSON.stringify(setCookie)} -> ${JSON.stringify(expected)}`, () => {
      assert.equal(rewriteSetCookieDomain(setCookie, 'app.internal'), expected);
    });
  }

  test('the upstream host is compared in any case', () => {
    assert.equal(rewriteSetCookieDomain('a=1; Domain=app.internal', 'App.Internal'), 'a=1');
  });

  test('outgoingSetCookies rewrites every line, or none when disabled', () => {
    const lines = ['a=1; Domain=app.internal', 'b=2; Domain=example.com'];
    assert.deepEqual(outgoingSetCookies(lines, 'app.internal', true), ['a=1', 'b=2; Domain=example.com']);
    const untouched = outgoingSetCookies(lines, 'app.internal', false);
    assert.deepEqual(untouched, lines);
    assert.notEqual(untouched, lines);
  });
});

describe('buildClientHeaders', () => {
  const upstreamHeaders = (): IncomingHttpHeaders => ({
    connection: 'keep-alive, X-Debug',
    'keep-alive': 'timeout=5',
    'transfer-encoding': 'chunked',
    'x-debug': 'internal',
    'content-type': 'text/html',
    location: 'http://app.internal:3001/dashboard?x=1',
    'set-cookie': ['sid=abc; Domain=app.internal; Path=/', 'lang=en; Domain=example.com'],
    'x-request-id': 'upstream-id',
  });

  test('drops hop-by-hop, rewrites Location and Set-Cookie, sets the gateway request id', () => {
    assert.deepEqual(buildClientHeaders(upstreamHeaders(), scopeWith(runtime)), {
      'content-type': 'text/html',
      location: 'https://gw.example/dashboard?x=1',
      'set-cookie': ['sid=abc; Path=/', 'lang=en; Domain=example.com'],
      'x-request-id': 'req-1',
    });
  });

  test('the public origin follows the scope unless configured', async () => {
    const plain = scopeWith(runtime, { proto: 'http', host: 'localhost:8080' });
    assert.equal(publicOrigin(plain), 'http://localhost:8080');
    assert.equal(buildClientHeaders(upstreamHeaders(), plain).location, 'http://localhost:8080/dashboard?x=1');

    const fixed = scopeWith(await runtimeWith({ rewrite: { public_origin: 'https://public.example' } }));
    assert.equal(publicOrigin(fixed), 'https://public.example');
    assert.equal(buildClientHeaders(upstreamHeaders(), fixed).location, 'https://public.example/dashboard?x=1');
  });

  test('a configured public_origin written with a trailing slash does not double the slash', async () => {
    const scope = scopeWith(await runtimeWith({ rewrite: { public_origin: 'https://public.example/' } }));
    assert.equal(buildClientHeaders(upstreamHeaders(), scope).location, 'https://public.example/dashboard?x=1');
  });

  test('rewriting can be switched off', async () => {
    const scope = scopeWith(await runtimeWith({ rewrite: { location: false, cookie_domain: false } }));
    const headers = buildClientHeaders(upstreamHeaders(), scope);
    assert.equal(headers.location, 'http://app.internal:3001/dashboard?x=1');
    assert.deepEqual(headers['set-cookie'], ['sid=abc; Domain=app.internal; Path=/', 'lang=en; Domain=example.com']);
  });

  test('a lone Set-Cookie, which undici gives as a string, is rewritten as a one-line list', () => {
    const headers = buildClientHeaders(
      { 'set-cookie': 'sid=abc; Domain=.app.internal; Path=/' } as unknown as IncomingHttpHeaders,
      scopeWith(runtime),
    );
    assert.deepEqual(headers['set-cookie'], ['sid=abc; Path=/']);
  });

  test('a response without Location or Set-Cookie gets neither', () => {
    const headers = buildClientHeaders({ 'content-length': '0' }, scopeWith(runtime));
    assert.deepEqual(headers, { 'content-length': '0', 'x-request-id': 'req-1' });
  });
});

describe('other client-address headers (S7)', () => {
  test('never reach the app, in any spelling', () => {
    const names = [
      'Client-IP',
      'True-Client-IP',
      'x_client_ip',
      'CF-Connecting-IP',
      'X-Forwarded-Ssl',
      'X-Forwarded-Prefix',
    ];
    const flat = buildUpstreamHeaders(
      names.flatMap((name) => [name, '6.6.6.6']),
      scopeWith(runtime),
      { host: 'h' },
    );
    for (const name of names) assert.deepEqual(valuesOf(flat, name.toLowerCase()), [], name);
  });
});

describe('identity headers (S8)', () => {
  const spoofed = [
    'X-Gateway-User',
    'mallory',
    'x_gateway_user',
    'mallory',
    'X-GATEWAY-ROLE',
    'admin',
    'X-Remote-User',
    'm',
  ];

  test('a client can never send them, in any spelling, with or without a session', () => {
    for (const session of [undefined, { id: 's', user: 'alice', role: 'admin' }]) {
      const flat = buildUpstreamHeaders(spoofed, scopeWith(runtime, { session }), { host: 'h' });
      assert.deepEqual(valuesOf(flat, 'x_gateway_user'), []);
      assert.deepEqual(valuesOf(flat, 'x-gateway-user'), session ? ['alice'] : []);
      assert.deepEqual(valuesOf(flat, 'x-gateway-role'), session ? ['admin'] : []);
      assert.deepEqual(valuesOf(flat, 'x-remote-user'), ['m']);
    }
  });

  test('configured names are asserted and stripped, and the default names are still stripped', async () => {
    const custom = await runtimeWith({ identity_headers: { user: 'X-Remote-User' } });
    const flat = buildUpstreamHeaders(
      spoofed,
      scopeWith(custom, { session: { id: 's', user: 'alice', role: 'admin' } }),
      {
        host: 'h',
      },
    );
    assert.deepEqual(valuesOf(flat, 'x-remote-user'), ['alice']);
    assert.deepEqual(valuesOf(flat, 'x-gateway-user'), []);
    assert.deepEqual(valuesOf(flat, 'x-gateway-role'), []);
  });
});

describe('privateCacheControl (an answer carrying the session cookie)', () => {
  test('shared caching is taken away, what the browser may keep stays', () => {
    assert.equal(privateCacheControl('public, s-maxage=600, max-age=60'), 'max-age=60, private');
    assert.equal(privateCacheControl('Public, proxy-revalidate, must-revalidate'), 'must-revalidate, private');
    assert.equal(privateCacheControl(undefined), 'private', 'heuristic shared caching too');
    assert.equal(privateCacheControl(['max-age=5', 'public']), 'max-age=5, private');
  });
  test('an answer already private or not stored stays as it is', () => {
    assert.equal(privateCacheControl('no-store'), 'no-store');
    assert.equal(privateCacheControl('private, max-age=60'), 'private, max-age=60');
  });
});
