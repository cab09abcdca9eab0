// S6: no password, code, answer, secret or cookie value is ever logged. Requests carrying
// them in every place a client can put them go through the gateway at the most verbose
// level, and the log is searched for each value; the access line keeps what an operator needs.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLogger, loggablePath, REDACT_PATHS } from '../../src/ops/logger.js';
import { memoryLog, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { waitFor } from '../helpers/wait.js';

const QUERY = '?password=hunter2&token=abc&code=123456&answer=blue&page=2';

/** Values that must never reach the log, with where they were sent. */
const SECRETS: Record<string, string> = {
  cookie: 'cookie-secret-7f3a',
  'second cookie': 'other-cookie-secret-91c2',
  authorization: 'Bearer auth-secret-b81d',
  'basic credentials': 'YWxpY2U6c2VjcmV0LXB3',
  'proxy-authorization': 'Basic proxy-secret-44e0',
  'query password': 'hunter2',
  'query token': 'abc',
  'query code': '123456',
  'query answer': 'blue',
  'JSON body password': 'json-secret-pw-5d1e',
  'form body password': 'form-secret-pw-0a9b',
  'form body answer': 'my-first-pet-rex',
};

/** The log with the generated request ids and times removed: a random UUID may contain "abc". */
function searchable(text: string): string {
  return text.replace(/"request_id":"[^"]*"/g, '').replace(/"time":"[^"]*"/g, '');
}

describe('the gateway never logs a secret', () => {
  let upstream: TestUpstream;
  let gateway: TestGateway;
  let unreachable: TestGateway;

  before(async () => {
    upstream = await startUpstream();
    gateway = await startTestGateway({ upstream: { url: upstream.url }, logging: { level: 'trace' } });
    // An upstream that refuses connections: the 502 path logs an error reason too.
    const closed = await startUpstream();
    await closed.close();
    unreachable = await startTestGateway({ upstream: { url: closed.url }, logging: { level: 'trace' } });

    const headers = {
      cookie: `session=${SECRETS.cookie}; remember=${SECRETS['second cookie']}`,
      authorization: SECRETS.authorization as string,
      'proxy-authorization': SECRETS['proxy-authorization'] as string,
    };
    const requests: Array<[TestGateway, string, RequestInit]> = [
      [gateway, `/search${QUERY}`, { headers }],
      [
        gateway,
        `/login${QUERY}`,
        {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'alice', password: SECRETS['JSON body password'] }),
        },
      ],
      [
        gateway,
        '/login',
        {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
          body: `username=alice&password=${SECRETS['form body password']}&answer=${SECRETS['form body answer']}`,
        },
      ],
      [gateway, `/login${QUERY}`, { headers: { authorization: `Basic ${SECRETS['basic credentials']}` } }],
      // Refused before forwarding (400) and a gateway page (404): their lines are redacted too.
      [gateway, `/a%2Fb${QUERY}`, { headers }],
      [gateway, `/_gateway/nothing${QUERY}`, { headers }],
      [unreachable, `/login${QUERY}`, { method: 'POST', headers, body: `password=${SECRETS['form body password']}` }],
    ];
    for (const [target, path, init] of requests) {
      const res = await fetch(target.url + path, init);
      await res.arrayBuffer();
    }
    // The access line is written when the response closes, which may come after the body.
    await waitFor(
      'an access line for every request',
      () =>
        [...gateway.logs(), ...unreachable.logs()].filter((line) => line.event === 'request').length >= requests.length,
    );
  });
  after(async () => {
    await gateway?.close();
    await unreachable?.close();
    await upstream?.close();
  });

  test('the upstream did receive the secrets (the requests were real)', () => {
    const received = upstream.requests.map((r) => `${r.url} ${JSON.stringify(r.headers)} ${r.body}`).join('\n');
    assert.ok(received.includes(SECRETS.cookie as string));
    assert.ok(received.includes(SECRETS['JSON body password'] as string));
    assert.ok(received.includes('password=hunter2'));
  });

  for (const [where, secret] of Object.entries(SECRETS)) {
    test(`the ${where} value appears nowhere in the log`, () => {
      const text = searchable(gateway.logText() + unreachable.logText());
      assert.ok(text.length > 0, 'the log is empty');
      assert.ok(!text.includes(secret), `"${secret}" was logged:\n${text}`);
    });
  }

  test('no query pair with a secret value is logged', () => {
    const text = gateway.logText() + unreachable.logText();
    for (const pair of ['password=hunter2', 'token=abc', 'code=123456', 'answer=blue']) {
      assert.ok(!text.includes(pair), pair);
    }
  });

  test('the access line says what was asked and how it ended, with page=2 kept', () => {
    const lines = gateway.logs().filter((line) => line.event === 'request');
    const search = lines.find((line) => String(line.path).startsWith('/search'));
    assert.ok(search, JSON.stringify(lines));
    assert.equal(search.method, 'GET');
    assert.equal(search.path, '/search?password=[Redacted]&token=[Redacted]&code=[Redacted]&answer=[Redacted]&page=2');
    assert.equal(search.status, 200);
    assert.equal(typeof search.duration_ms, 'number');
    assert.equal(typeof search.upstream_ms, 'number');
    assert.equal(search.client, '127.0.0.1');
    assert.match(String(search.request_id), /^[0-9a-f-]{36}$/);
    assert.equal(search.level, 'info');

    const refused = lines.find((line) => line.error_code === 'BAD_REQUEST_TARGET');
    assert.equal(refused?.status, 400);
    assert.equal(refused?.method, 'GET');
  });

  test('the failed forward is logged with its reason, still without secrets', () => {
    const line = unreachable.logs().find((entry) => entry.event === 'request');
    assert.equal(line?.status, 502);
    assert.equal(line?.level, 'warn');
    assert.equal(line?.error_code, 'UPSTREAM_UNAVAILABLE');
    assert.ok(String(line?.path).endsWith('&page=2'));
  });
});

describe('loggablePath', () => {
  const rows: Array<[path: string, search: string, logged: string]> = [
    ['/a', '', '/a'],
    ['/a', '?', '/a?'],
    ['/a', '?page=2', '/a?page=2'],
    ['/a', QUERY, '/a?password=[Redacted]&token=[Redacted]&code=[Redacted]&answer=[Redacted]&page=2'],
    [
      '/a',
      '?PASSWORD=x&Api_Key=y&client_secret=z&otp=1&sig=2',
      '/a?PASSWORD=[Redacted]&Api_Key=[Redacted]&client_secret=[Redacted]&otp=[Redacted]&sig=[Redacted]',
    ],
    ['/a', '?session_id=s&auth=t&access_token=u', '/a?session_id=[Redacted]&auth=[Redacted]&access_token=[Redacted]'],
    // A name is judged decoded, so percent-encoding does not hide it; it is logged as written.
    ['/a', '?p%61ssword=x&to%6Ben=y', '/a?p%61ssword=[Redacted]&to%6Ben=[Redacted]'],
    ['/a', '?user[password]=x', '/a?user[password]=[Redacted]'],
    ['/a', '?password==x=y', '/a?password=[Redacted]'],
    ['/a', '?password=', '/a?password=[Redacted]'],
    // Pairs without a value and ordinary pairs are kept byte for byte.
    ['/a', '?debug&page=2&q=a+b%20c', '/a?debug&page=2&q=a+b%20c'],
    // Only names are judged: a value that reads like a secret's name is kept.
    ['/a', '?q=password&sort=token', '/a?q=password&sort=token'],
    ['/a', '?&&page=2&', '/a?&&page=2&'],
    // Frameworks that split on ";" as well (Rack 2, older Python) would read a password here.
    ['/a', '?page=2;password=hunter2', '/a?page=2;password=[Redacted]'],
    ['/a', '?page=2;token=abc&x=1', '/a?page=2;token=[Redacted]&x=1'],
    // An undecodable name is judged as written.
    ['/a', '?%E0%A4%A=1&password=x', '/a?%E0%A4%A=1&password=[Redacted]'],
  ];
  for (const [path, search, logged] of rows) {
    test(`${path}${search} -> ${logged}`, () => {
      assert.equal(loggablePath(path, search), logged);
    });
  }
});

describe('createLogger redaction', () => {
  function logOnce(object: Record<string, unknown>): { text: string; line: Record<string, unknown> } {
    const log = memoryLog();
    const logger = createLogger({ level: 'info', destination: log.stream });
    logger.info(object, 'message');
    const text = log.text();
    return { text, line: JSON.parse(text) as Record<string, unknown> };
  }

  test('request headers: cookie, authorization, proxy-authorization and the CSRF token are censored', () => {
    const { text, line } = logOnce({
      req: {
        method: 'GET',
        headers: {
          cookie: 'sid=s3cr3t-cookie',
          authorization: 'Bearer s3cr3t-bearer',
          'proxy-authorization': 'Basic s3cr3t-proxy',
          'x-csrf-token': 's3cr3t-csrf',
          accept: 'text/html',
        },
      },
    });
    assert.doesNotMatch(text, /s3cr3t/);
    assert.deepEqual((line.req as { headers: unknown }).headers, {
      cookie: '[Redacted]',
      authorization: '[Redacted]',
      'proxy-authorization': '[Redacted]',
      'x-csrf-token': '[Redacted]',
      accept: 'text/html',
    });
  });

  test('response Set-Cookie is censored', () => {
    const { text } = logOnce({ res: { statusCode: 200, headers: { 'set-cookie': ['sid=s3cr3t; HttpOnly'] } } });
    assert.doesNotMatch(text, /s3cr3t/);
  });

  test('a bare headers object is censored like a request’s', () => {
    const { text, line } = logOnce({
      headers: {
        cookie: 'sid=s3cr3t-cookie',
        authorization: 'Basic s3cr3t-basic',
        'proxy-authorization': 'Basic s3cr3t-proxy',
        'set-cookie': ['sid=s3cr3t-set'],
        'content-type': 'text/html',
      },
    });
    assert.doesNotMatch(text, /s3cr3t/);
    assert.equal((line.headers as Record<string, unknown>)['content-type'], 'text/html');
  });

  test('password, secret, otp, answer and token fields are censored at the top and one level down', () => {
    const { text, line } = logOnce({
      password: 's3cr3t-1',
      secret: 's3cr3t-2',
      otp: '000000',
      answer: 's3cr3t-3',
      token: 's3cr3t-4',
      cookie: 's3cr3t-5',
      authorization: 's3cr3t-6',
      body: { username: 'alice', password: 's3cr3t-7', answer: 's3cr3t-8', otp: '111111', token: 's3cr3t-9' },
      user: { secret: 's3cr3t-10' },
    });
    assert.doesNotMatch(text, /s3cr3t|000000|111111/);
    assert.equal(line.password, '[Redacted]');
    assert.equal((line.body as Record<string, unknown>).username, 'alice');
  });

  test('ordinary fields are kept', () => {
    const { line } = logOnce({ event: 'request', method: 'GET', path: '/a?page=2', status: 200 });
    assert.equal(line.event, 'request');
    assert.equal(line.path, '/a?page=2');
    assert.equal(line.msg, 'message');
    assert.equal(line.level, 'info');
    assert.equal(line.service, 'gateway');
  });

  test('the redaction paths cover the request and bare header spellings alike', () => {
    for (const header of ['cookie', 'authorization', '"proxy-authorization"']) {
      const bare = header.startsWith('"') ? `headers[${header}]` : `headers.${header}`;
      assert.ok(REDACT_PATHS.includes(bare), bare);
      assert.ok(REDACT_PATHS.includes(`req.${bare}`), `req.${bare}`);
    }
  });
});
