// Loading gateway.yaml: the shipped file is valid; every mistake of a file is reported at
// once with its dotted path and its line; defaults are filled; the result is deeply frozen.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  type ConfigError,
  formatConfigError,
  type LoadResult,
  loadConfigFile,
  parseConfig,
} from '../../src/config/load.js';
import { compileConfig } from '../../src/config/runtime.js';

const SHIPPED = new URL('../../gateway.yaml', import.meta.url).pathname;
const TLS_CERT = new URL('../fixtures/tls/cert.pem', import.meta.url).pathname;
const TLS_KEY = new URL('../fixtures/tls/key.pem', import.meta.url).pathname;

function errorsOf(result: LoadResult): ConfigError[] {
  assert.equal(result.ok, false, 'expected the configuration to be refused');
  return result.ok ? [] : result.errors;
}

/** The errors as "path@line", for exact comparison. */
function where(errors: ConfigError[]): string[] {
  return errors.map((error) => `${error.path}@${error.line}`);
}

describe('the shipped gateway.yaml', () => {
  test('is valid and describes the demo deployment', async () => {
    const result = await loadConfigFile(SHIPPED);
    assert.ok(result.ok, result.ok ? '' : result.errors.map(formatConfigError).join('\n'));
    assert.equal(result.config.upstream.url, 'http://127.0.0.1:3001');
    assert.equal(result.config.listen.port, 8080);
    assert.deepEqual(result.config.trusted_proxies, []);
    // It compiles to what every request needs.
    const runtime = compileConfig(result.config);
    assert.equal(runtime.upstreamOrigin, 'http://127.0.0.1:3001');
  });
});

describe('defaults and the result', () => {
  test('a file naming only the upstream gets every default', async () => {
    const result = await parseConfig('upstream:\n  url: http://127.0.0.1:3001\n');
    assert.ok(result.ok, JSON.stringify(result));
    // Section by section, so that a new section with its own defaults does not break this test.
    assert.deepEqual(result.config.listen, {
      host: '127.0.0.1',
      port: 8080,
      gateway_prefix: '/_gateway',
      shutdown_grace: 10_000,
      keep_alive_timeout: 5_000,
      headers_timeout: 30_000,
      client_idle_timeout: 300_000,
      body_timeout: 60_000,
      body_min_rate: 8192,
      max_connections: 800,
      max_connections_per_client: 256,
    });
    assert.deepEqual(result.config.upstream, {
      url: 'http://127.0.0.1:3001',
      connections: 128,
      identity_headers: { user: 'X-Gateway-User', role: 'X-Gateway-Role' },
      preserve_host: false,
      timeouts: { connect: 5_000, headers: 60_000, idle: 300_000 },
      rewrite: { location: true, cookie_domain: true },
    });
    assert.deepEqual(result.config.trusted_proxies, []);
    assert.deepEqual(result.config.logging, { level: 'info' });
    assert.deepEqual(result.config.store, { type: 'lmdb', path: 'data/store.lmdb' });
    assert.deepEqual(result.config.limits.hashing, { wait: 5_000, run: 10_000 });
  });

  test("the argon2 runner's deadlines are configuration (tests give their own, not a test mode)", async () => {
    const result = await parseConfig(
      'upstream:\n  url: http://127.0.0.1:3001\nlimits:\n  hashing:\n    wait: 2m\n    run: 90s\n',
    );
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(result.config.limits.hashing, { wait: 120_000, run: 90_000 });
  });

  test('durations are read in every unit', async () => {
    const result = await parseConfig(
      [
        'listen:',
        '  shutdown_grace: 250ms',
        '  keep_alive_timeout: 1.5s',
        '  headers_timeout: 2m',
        'upstream:',
        '  url: http://x',
        '  timeouts:',
        '    connect: 1h',
        '    headers: 1d',
        '    idle: " 3 s "',
      ].join('\n'),
    );
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.config.listen.shutdown_grace, 250);
    assert.equal(result.config.listen.keep_alive_timeout, 1_500);
    assert.equal(result.config.listen.headers_timeout, 120_000);
    assert.deepEqual(result.config.upstream.timeouts, { connect: 3_600_000, headers: 86_400_000, idle: 3_000 });
  });

  test('the result is deeply frozen', async () => {
    const result = await parseConfig('upstream:\n  url: http://x\ntrusted_proxies:\n  - 10.0.0.0/8\n  - ::1\n');
    assert.ok(result.ok);
    const unfrozen: string[] = [];
    const walk = (value: unknown, path: string) => {
      if (value === null || typeof value !== 'object') return;
      if (!Object.isFrozen(value)) unfrozen.push(path || '(root)');
      for (const [key, child] of Object.entries(value)) walk(child, path ? `${path}.${key}` : key);
    };
    walk(result.config, '');
    assert.deepEqual(unfrozen, []);

    // Strict-mode code (all of ours) fails loudly when it tries.
    const upstream = result.config.upstream as { url: string; timeouts: { connect: number } };
    assert.throws(() => {
      upstream.url = 'http://evil';
    }, TypeError);
    assert.throws(() => {
      upstream.timeouts.connect = 1;
    }, TypeError);
    assert.throws(() => (result.config.trusted_proxies as string[]).push('0.0.0.0/0'), TypeError);
    assert.equal(result.config.upstream.url, 'http://x');
  });

  test('a public_origin is kept as an origin (a trailing slash dropped)', async () => {
    const result = await parseConfig(
      'upstream:\n  url: http://x\n  rewrite:\n    public_origin: https://Gateway.Example:443/\n',
    );
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.config.upstream.rewrite.public_origin, 'https://gateway.example');
  });

  test('TLS files that exist are accepted', async () => {
    const result = await parseConfig(
      `listen:\n  tls:\n    cert_file: ${TLS_CERT}\n    key_file: ${TLS_KEY}\nupstream:\n  url: http://x\n`,
    );
    assert.ok(result.ok, JSON.stringify(result));
    assert.deepEqual(result.config.listen.tls, { cert_file: TLS_CERT, key_file: TLS_KEY });
  });
});

describe('every mistake at once, each with its path and line', () => {
  const SEVERAL = [
    /* 1 */ '# a file with one mistake in almost every section',
    /* 2 */ 'listen:',
    /* 3 */ '  host: 127.0.0.1',
    /* 4 */ '  port: "8080"',
    /* 5 */ '  colour: blue',
    /* 6 */ '  shutdown_grace: 10',
    /* 7 */ '  keep_alive_timeout: 5 minutes',
    /* 8 */ '  tls:',
    /* 9 */ '    cert_file: /nonexistent/gateway/cert.pem',
    /* 10 */ `    key_file: ${TLS_KEY}`,
    /* 11 */ 'upstream:',
    /* 12 */ '  url: http://127.0.0.1:3001/app',
    /* 13 */ '  timeouts:',
    /* 14 */ '    connect: 5',
    /* 15 */ '  rewrite:',
    /* 16 */ '    public_origin: ftp://gateway.example',
    /* 17 */ 'trusted_proxies:',
    /* 18 */ '  - 10.0.0.0/8',
    /* 19 */ '  - 10.0.0.0/33',
    /* 20 */ '  - 0x7f.0.0.1',
    /* 21 */ 'logging:',
    /* 22 */ '  level: loud',
    /* 23 */ 'extras: true',
  ].join('\n');

  test('reports each mistake with its dotted path and line, in file order', async () => {
    const errors = errorsOf(await parseConfig(SEVERAL));
    // "ftp://…" is told both that it is not http(s) and that it is not an origin: same place.
    assert.deepEqual(
      [...new Set(where(errors))],
      [
        'listen.port@4',
        'listen.colour@5',
        'listen.shutdown_grace@6',
        'listen.keep_alive_timeout@7',
        'listen.tls.cert_file@9',
        'upstream.url@12',
        'upstream.timeouts.connect@14',
        'upstream.rewrite.public_origin@16',
        'trusted_proxies.1@19',
        'trusted_proxies.2@20',
        'logging.level@22',
        'extras@23',
      ],
    );
  });

  test('each message says what is wrong', async () => {
    const errors = errorsOf(await parseConfig(SEVERAL));
    const message = (path: string) => errors.find((error) => error.path === path)?.message ?? '';
    assert.match(message('listen.port'), /number/);
    assert.match(message('listen.colour'), /unknown key/);
    assert.match(message('listen.shutdown_grace'), /duration with a unit.*got 10/);
    assert.match(message('listen.keep_alive_timeout'), /duration with a unit.*got "5 minutes"/);
    assert.match(message('listen.tls.cert_file'), /cannot read \/nonexistent\/gateway\/cert\.pem \(ENOENT\)/);
    assert.match(message('upstream.url'), /origin .*without a path/);
    assert.match(message('upstream.timeouts.connect'), /duration with a unit.*got 5/);
    assert.match(message('upstream.rewrite.public_origin'), /http:\/\/ or https:\/\//);
    assert.match(message('trusted_proxies.1'), /IP address or CIDR range, got "10\.0\.0\.0\/33"/);
    assert.match(message('trusted_proxies.2'), /got "0x7f\.0\.0\.1"/);
    assert.match(message('logging.level'), /info/);
    assert.match(message('extras'), /unknown key/);
  });

  test('formatConfigError prints "path: message (line N)"', async () => {
    const errors = errorsOf(await parseConfig(SEVERAL));
    const lines = errors.map(formatConfigError);
    assert.ok(lines.includes('listen.colour: unknown key (line 5)'), lines.join('\n'));
    assert.equal(formatConfigError({ path: '', message: 'x' }), '(document): x');
  });

  const single: Array<[name: string, yaml: string, expected: string[], message: RegExp]> = [
    ['missing upstream', 'listen:\n  port: 1\n', ['upstream@1'], /is required/],
    [
      'missing upstream.url',
      'logging:\n  level: info\nupstream:\n  connections: 2\n',
      ['upstream.url@4'],
      /is required/,
    ],
    [
      'unknown top-level key',
      'upstream:\n  url: http://x\nupstream_url: http://y\n',
      ['upstream_url@3'],
      /unknown key/,
    ],
    [
      'unknown nested key',
      'upstream:\n  url: http://x\n  timeouts:\n    conect: 5s\n',
      ['upstream.timeouts.conect@4'],
      /unknown key/,
    ],
    [
      'wrong type: string for boolean',
      'upstream:\n  url: http://x\n  preserve_host: "yes"\n',
      ['upstream.preserve_host@3'],
      /boolean/,
    ],
    ['wrong type: list for a section', 'upstream:\n  url: http://x\nlogging: [info]\n', ['logging@3'], /object/],
    ['wrong type: null section', 'listen:\nupstream:\n  url: http://x\n', ['listen@1'], /object/],
    ['port out of range', 'listen:\n  port: 70000\nupstream:\n  url: http://x\n', ['listen.port@2'], /65535/],
    [
      'bare number duration',
      'upstream:\n  url: http://x\n  timeouts:\n    idle: 10\n',
      ['upstream.timeouts.idle@4'],
      /got 10$/,
    ],
    [
      'duration in words',
      'upstream:\n  url: http://x\n  timeouts:\n    idle: 5 minutes\n',
      ['upstream.timeouts.idle@4'],
      /got "5 minutes"/,
    ],
    [
      'negative duration',
      'upstream:\n  url: http://x\n  timeouts:\n    idle: -5s\n',
      ['upstream.timeouts.idle@4'],
      /got "-5s"/,
    ],
    ['non-http URL', 'upstream:\n  url: ftp://127.0.0.1:21\n', ['upstream.url@2'], /http:\/\/ or https:\/\//],
    ['not a URL', 'upstream:\n  url: 127.0.0.1:3001\n', ['upstream.url@2'], /http:\/\/ or https:\/\//],
    ['URL with a path', 'upstream:\n  url: http://127.0.0.1:3001/app\n', ['upstream.url@2'], /without a path/],
    ['URL with a query', 'upstream:\n  url: http://127.0.0.1:3001?x=1\n', ['upstream.url@2'], /without a path/],
    [
      'public_origin with a path',
      'upstream:\n  url: http://x\n  rewrite:\n    public_origin: https://gw.example/app\n',
      ['upstream.rewrite.public_origin@4'],
      /without a path/,
    ],
    [
      'bad CIDR prefix',
      'upstream:\n  url: http://x\ntrusted_proxies:\n  - 10.0.0.0/33\n',
      ['trusted_proxies.0@4'],
      /CIDR/,
    ],
    [
      'lenient IPv4 spelling',
      'upstream:\n  url: http://x\ntrusted_proxies:\n  - 0x7f.0.0.1\n',
      ['trusted_proxies.0@4'],
      /CIDR/,
    ],
    [
      'CIDR with a zone',
      'upstream:\n  url: http://x\ntrusted_proxies: ["fe80::1%eth0/64"]\n',
      ['trusted_proxies.0@3'],
      /CIDR/,
    ],
    [
      'gateway prefix with a trailing slash',
      'listen:\n  gateway_prefix: /_gateway/\nupstream:\n  url: http://x\n',
      ['listen.gateway_prefix@2'],
      /trailing slash/,
    ],
    ['unknown log level', 'upstream:\n  url: http://x\nlogging:\n  level: verbose\n', ['logging.level@4'], /debug/],
  ];
  for (const [name, yaml, expected, message] of single) {
    test(name, async () => {
      const errors = errorsOf(await parseConfig(yaml));
      // A URL that is neither http nor an origin may be told both: every error must be at the expected place.
      assert.deepEqual([...new Set(where(errors))], expected, JSON.stringify(errors));
      assert.ok(
        errors.some((error) => message.test(error.message)),
        `${JSON.stringify(errors)} should match ${message}`,
      );
    });
  }

  test('TLS files that do not exist: both reported, each at its line', async () => {
    const errors = errorsOf(
      await parseConfig(
        'upstream:\n  url: http://x\nlisten:\n  tls:\n    cert_file: /nonexistent/cert.pem\n    key_file: /nonexistent/key.pem\n',
      ),
    );
    assert.deepEqual(where(errors), ['listen.tls.cert_file@5', 'listen.tls.key_file@6']);
    assert.match(errors[0]?.message ?? '', /cannot read \/nonexistent\/cert\.pem \(ENOENT\)/);
  });

  test('a missing TLS section key is required, not a file error', async () => {
    const errors = errorsOf(
      await parseConfig(`upstream:\n  url: http://x\nlisten:\n  tls:\n    cert_file: ${TLS_CERT}\n`),
    );
    assert.deepEqual(
      errors.map((e) => [e.path, e.message]),
      [['listen.tls.key_file', 'is required']],
    );
  });

  test('errors come sorted by line whatever the order zod found them in', async () => {
    const errors = errorsOf(await parseConfig(SEVERAL));
    const lines = errors.map((error) => error.line ?? 0);
    assert.deepEqual(
      lines,
      [...lines].sort((a, b) => a - b),
    );
  });
});

describe('documents that are not a configuration', () => {
  const rows: Array<[name: string, yaml: string, path: string, line: number | undefined, message: RegExp]> = [
    ['empty file', '', 'upstream', undefined, /is required/],
    ['only comments', '# nothing here\n', 'upstream', undefined, /is required/],
    ['a scalar', 'hello\n', '', 1, /mapping/],
    ['a list', '- upstream\n- listen\n', '', 1, /mapping/],
    [
      'duplicate top-level key',
      'upstream:\n  url: http://x\nlogging: {}\nupstream:\n  url: http://y\n',
      '',
      4,
      /unique/,
    ],
    ['duplicate nested key', 'upstream:\n  url: http://x\n  connections: 2\n  url: http://y\n', '', 4, /unique/],
    ['YAML syntax error: bad indentation', 'upstream:\n  url: http://x\n timeouts: {}\n', '', 3, /./],
    // The parser notices an unclosed sequence on the line where the next key begins.
    [
      'YAML syntax error: unclosed flow',
      'upstream:\n  url: http://x\ntrusted_proxies: [10.0.0.1\nlogging: {}\n',
      '',
      4,
      /]/,
    ],
    ['YAML syntax error: tab indentation', 'upstream:\n\turl: http://x\n', '', 2, /./],
  ];
  for (const [name, yaml, path, line, message] of rows) {
    test(name, async () => {
      const errors = errorsOf(await parseConfig(yaml));
      const first = errors[0];
      assert.ok(first, 'at least one error');
      assert.equal(first.path, path, JSON.stringify(errors));
      assert.equal(first.line, line, JSON.stringify(errors));
      assert.match(first.message, message);
      // A YAML message names its line once, in the line field, not again in the text.
      assert.doesNotMatch(first.message, /at line \d+/);
    });
  }

  test('a syntax error is reported without a schema error beside it', async () => {
    const errors = errorsOf(await parseConfig('upstream:\n  url: [http://x\n'));
    assert.ok(
      errors.every((error) => error.path === ''),
      JSON.stringify(errors),
    );
  });
});

describe('loadConfigFile', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gateway-load-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('reads and validates a file, keeping its text', async () => {
    const file = join(dir, 'ok.yaml');
    const text = 'upstream:\n  url: http://127.0.0.1:9\n';
    await writeFile(file, text);
    const result = await loadConfigFile(file);
    assert.ok(result.ok);
    assert.equal(result.source, text);
  });

  test('a file that does not exist is one error, not an exception', async () => {
    const file = join(dir, 'missing.yaml');
    const errors = errorsOf(await loadConfigFile(file));
    assert.equal(errors.length, 1);
    assert.match(errors[0]?.message ?? '', /ENOENT/);
  });

  test('an empty file is refused: it names no upstream', async () => {
    const file = join(dir, 'empty.yaml');
    await writeFile(file, '');
    const errors = errorsOf(await loadConfigFile(file));
    assert.deepEqual(
      errors.map((e) => e.path),
      ['upstream'],
    );
  });
});
