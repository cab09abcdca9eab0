// `gateway allowlist` against gateway.yaml (allowlists.source: yaml): add, list and remove
// change only the edited list's lines (the file's comments survive), each change is one audit
// line on stderr and one result line on stdout, a bad entry is refused with the model's
// message and changes nothing (exit 1), and usage mistakes exit 2.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfigFile } from '../../src/config/load.js';
import { runCli } from '../helpers/cli.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gateway-cli-allowlist-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const ORIGINAL = `# The gateway of the accounts team. Keep this comment.
upstream:
  url: http://127.0.0.1:3001   # the invoicing app

public_paths: [/login]
login:
  routes: [{ method: POST, path: /login }]
  page: /login

# Staff work from the office list.
policy:
  staff: { allowlist: office }

allowlists:
  lists:
    office:
      - { cidr: 10.0.0.0/8, note: head office }   # since 2019
      # - 192.0.2.0/24   (the old branch, closed)
  users:
    Carol: []   # works from home sometimes
`;

async function configFile(): Promise<string> {
  const file = join(dir, 'gateway.yaml');
  await writeFile(file, ORIGINAL);
  return file;
}

test('add, list and remove edit gateway.yaml in place, keeping its comments; each change is audited', async () => {
  const file = await configFile();
  const config = ['--config', file];

  const added = await runCli(['allowlist', 'add', '198.51.100.7', '--note', 'bob at home', ...config]);
  assert.equal(added.code, 0, added.stderr);
  assert.equal(
    added.stdout,
    'list office: added 198.51.100.7 (bob at home); 2 entries; a running gateway applies it when it re-reads the file\n',
    '--list defaults to the list policy binds staff to',
  );
  assert.equal(added.audit.length, 1);
  assert.deepEqual(
    { ...added.audit[0], time: undefined, level: undefined, service: undefined, operator: undefined },
    {
      audit: true,
      event: 'allowlist.entry_added',
      list: 'office',
      cidr: '198.51.100.7',
      note: 'bob at home',
      source: 'yaml',
      by: 'cli',
      time: undefined,
      level: undefined,
      service: undefined,
      operator: undefined,
    },
  );

  const own = await runCli(['allowlist', 'add', '--user', ' CAROL ', '2001:db8:cafe::/48', ...config]);
  assert.equal(own.code, 0, own.stderr);
  assert.match(own.stdout, /^user carol: added 2001:db8:cafe::\/48; 1 entry;/, 'the username is canonicalised');
  assert.equal(own.audit[0]?.user_list, 'carol');

  assert.equal(
    await readFile(file, 'utf8'),
    ORIGINAL.replace(
      '      # - 192.0.2.0/24',
      '      - { cidr: 198.51.100.7, note: bob at home }\n      # - 192.0.2.0/24',
    ).replace('    Carol: []', '    Carol:\n      - 2001:db8:cafe::/48'),
    'only the edited lists changed; every comment is where it was',
  );

  const listed = await runCli(['allowlist', 'list', ...config]);
  assert.equal(listed.code, 0, listed.stderr);
  assert.equal(
    listed.stdout,
    [
      'list office (for staff): 2 entries',
      '  10.0.0.0/8           head office',
      '  198.51.100.7         bob at home',
      'user carol: 1 entry',
      '  2001:db8:cafe::/48',
      '',
    ].join('\n'),
  );
  assert.deepEqual(listed.audit, [], 'reading is not a change');
  const one = await runCli(['allowlist', 'list', '--user', 'Carol', ...config]);
  assert.equal(one.stdout, 'user carol: 1 entry\n  2001:db8:cafe::/48\n');

  const removed = await runCli(['allowlist', 'remove', '--list', 'office', '198.51.100.7/32', ...config]);
  assert.equal(removed.code, 0, removed.stderr);
  assert.match(removed.stdout, /^list office: removed 198\.51\.100\.7; 1 entry left;/);
  assert.equal(removed.audit[0]?.event, 'allowlist.entry_removed');
  assert.equal(removed.audit[0]?.note, 'bob at home', 'the audit line says what was removed');
  assert.equal(
    await readFile(file, 'utf8'),
    ORIGINAL.replace('    Carol: []', '    Carol:\n      - 2001:db8:cafe::/48'),
  );
  const loaded = await loadConfigFile(file);
  assert.ok(loaded.ok, 'the edited file loads');
});

test('a bad entry, a bad list name or a missing entry is refused with exit 1, and the file is untouched', async () => {
  const file = await configFile();
  const cases: Array<[string[], string]> = [
    [
      ['add', '10.0.0.1/8'],
      'gateway: "10.0.0.1/8" has bits set after the /8 prefix: write 10.0.0.0/8 for the range or 10.0.0.1 for the one address\n',
    ],
    [['add', 'printer.local'], 'gateway: "printer.local" is not an IP address or CIDR range\n'],
    [
      ['add', '--list', 'night shift', '192.0.2.7'],
      'gateway: "night shift" is not a list name (letters, digits, "_", "." and "-", up to 64)\n',
    ],
    [['remove', '192.0.2.9'], 'gateway: 192.0.2.9 is not in list office: nothing removed\n'],
  ];
  for (const [args, message] of cases) {
    const refused = await runCli(['allowlist', ...args, '--config', file]);
    assert.equal(refused.code, 1, args.join(' '));
    assert.equal(refused.stdout, '', args.join(' '));
    assert.equal(refused.stderr, message, args.join(' '));
  }
  assert.equal(await readFile(file, 'utf8'), ORIGINAL);
});

test('usage mistakes exit 2 with the usage text', async () => {
  const help = await runCli(['help']);
  assert.ok(help.stdout.includes('allowlist add [--list NAME | --user NAME] CIDR [--note TEXT]'));
  const file = await configFile();
  for (const args of [
    ['allowlist'],
    ['allowlist', 'grant', '192.0.2.7'],
    ['allowlist', 'add'],
    ['allowlist', 'add', '192.0.2.7', '192.0.2.8'],
    ['allowlist', 'add', '--list', 'office', '--user', 'bob', '192.0.2.7'],
    ['allowlist', 'remove', '192.0.2.7', '--note', 'why'],
    ['allowlist', 'list', '--verbose'],
  ]) {
    const wrong = await runCli([...args, '--config', file]);
    assert.equal(wrong.code, 2, args.join(' '));
    assert.equal(wrong.stdout, '', args.join(' '));
    assert.match(wrong.stderr, /^gateway: .+\n\nUsage: gateway/, args.join(' '));
  }
  assert.equal(await readFile(file, 'utf8'), ORIGINAL);
});
