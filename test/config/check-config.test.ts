// `gateway check-config` as an operator runs it: a one-line summary and exit 0 for a valid
// file; every error with its path and line and exit 1 for an invalid one.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../helpers/cli.js';

const SHIPPED = new URL('../../gateway.yaml', import.meta.url).pathname;

/** Runs the gateway command to its end, with no $GATEWAY_CONFIG unless the test sets one. */
const gateway = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(args, { GATEWAY_CONFIG: undefined, ...env });

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gateway-check-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('gateway check-config', () => {
  test('a valid file: exit 0 and a one-line summary', async () => {
    const file = join(dir, 'valid.yaml');
    await writeFile(
      file,
      'listen:\n  port: 9000\nupstream:\n  url: http://127.0.0.1:3001\ntrusted_proxies:\n  - 10.0.0.0/8\n',
    );
    const run = await gateway(['check-config', file]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '');
    const lines = run.stdout.split('\n').filter(Boolean);
    assert.equal(lines.length, 1, run.stdout);
    assert.equal(
      lines[0],
      `${file}: valid; listens on http://127.0.0.1:9000, forwards to http://127.0.0.1:3001, 1 trusted proxy`,
    );
  });

  test('the shipped gateway.yaml is valid, even with --strict', async () => {
    const run = await gateway(['check-config', '--strict', SHIPPED]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /: valid; .*0 trusted proxies\n$/);
  });

  test('a role bound to a second step without login.identity: a warning, an error with --strict', async () => {
    const file = join(dir, 'no-identity.yaml');
    const login = 'login:\n  routes: [{ path: /login }]\n  page: /login\n';
    await writeFile(file, `upstream:\n  url: http://127.0.0.1:3001\npublic_paths: [/login]\n${login}`);
    const run = await gateway(['check-config', file]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /warning: policy\.admin: requires a second step but login\.identity is not configured/);
    assert.match(run.stderr, /warning: policy\.staff: is bound to allowlist staff but login\.identity/);
    const strict = await gateway(['check-config', '--strict', file]);
    assert.equal(strict.code, 1);
    assert.match(strict.stderr, /error: policy\.admin/);

    await writeFile(
      file,
      `upstream:\n  url: http://127.0.0.1:3001\npublic_paths: [/login]\n${login}  identity: { source: cookie, pattern: "^SL-(.+)$" }\n`,
    );
    const confirmed = await gateway(['check-config', '--strict', file]);
    assert.equal(confirmed.code, 0, confirmed.stderr);
    assert.equal(confirmed.stderr, '');
  });

  test('the file defaults to $GATEWAY_CONFIG', async () => {
    const file = join(dir, 'from-env.yaml');
    await writeFile(file, 'upstream:\n  url: http://127.0.0.1:3002\n');
    const run = await gateway(['check-config'], { GATEWAY_CONFIG: file });
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.stdout.startsWith(`${file}: valid;`), run.stdout);
  });

  test('an invalid file: exit 1 and every error with its path and line', async () => {
    const file = join(dir, 'invalid.yaml');
    await writeFile(
      file,
      [
        'listen:',
        '  port: "8080"',
        '  shutdown_grace: 10',
        'upstream:',
        '  url: http://127.0.0.1:3001/app',
        '  colour: blue',
        'trusted_proxies:',
        '  - 10.0.0.0/33',
        '',
      ].join('\n'),
    );
    const run = await gateway(['check-config', file]);
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    const lines = run.stderr.split('\n').filter(Boolean);
    assert.equal(lines[0], `${file}: 5 error(s)`);
    const expected: Array<[path: string, line: number]> = [
      ['listen.port', 2],
      ['listen.shutdown_grace', 3],
      ['upstream.url', 5],
      ['upstream.colour', 6],
      ['trusted_proxies.0', 8],
    ];
    assert.equal(lines.length, 1 + expected.length, run.stderr);
    expected.forEach(([path, line], index) => {
      assert.match(lines[index + 1] ?? '', new RegExp(`^  ${path.replaceAll('.', '\\.')}: .+ \\(line ${line}\\)$`));
    });
  });

  test('routes that loop: exit 1, each at the key to change (issue 12)', async () => {
    const file = join(dir, 'loops.yaml');
    await writeFile(
      file,
      [
        'upstream:',
        '  url: http://127.0.0.1:3001',
        'public_paths: [/static/]',
        'rules: [{ path: /menu.pl, access: deny }]',
        'login:',
        '  routes: [{ path: /login.pl, query: { action: login } }]',
        '  page: /login.pl',
        '  logout_routes: [{ method: GET, path: /login.pl }]',
        '  landing_path: /menu.pl',
        '',
      ].join('\n'),
    );
    const run = await gateway(['check-config', file]);
    assert.equal(run.code, 1);
    const lines = run.stderr.split('\n').filter(Boolean);
    assert.deepEqual(
      lines.slice(1).map((line) => line.trim().split(':', 1)[0]),
      ['login.page', 'login.logout_routes.0', 'login.landing_path'],
      run.stderr,
    );
  });

  test('a YAML syntax error: exit 1 with its line', async () => {
    const file = join(dir, 'syntax.yaml');
    await writeFile(file, 'upstream:\n  url: http://x\n  url: http://y\n');
    const run = await gateway(['check-config', file]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^ {2}\(document\): .+ \(line 3\)$/m);
  });

  test('a file that does not exist: exit 1 and the reason', async () => {
    const file = join(dir, 'nope.yaml');
    const run = await gateway(['check-config', file]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /cannot read .*nope\.yaml \(ENOENT\)/);
  });
});

describe('gateway commands', () => {
  test('`gateway help` prints the usage and exits 0', async () => {
    for (const args of [['help'], ['--help'], ['-h']]) {
      const run = await gateway(args);
      assert.equal(run.code, 0, args.join(' '));
      assert.match(run.stdout, /^Usage: gateway <command>/);
      assert.match(run.stdout, /check-config/);
    }
  });

  test('no command prints the usage and exits 2', async () => {
    const run = await gateway([]);
    assert.equal(run.code, 2);
    assert.match(run.stdout, /^Usage: gateway/);
  });

  test('an unknown command exits 2 and names it', async () => {
    const run = await gateway(['frobnicate']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^gateway: unknown command "frobnicate"/);
    assert.match(run.stderr, /Usage: gateway/);
    assert.equal(run.stdout, '');
  });
});
