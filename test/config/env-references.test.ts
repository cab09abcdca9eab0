// `${NAME}` in gateway.yaml (issue 14: a container's upstream comes from its environment): values
// take variables, a fallback covers an unset one, a missing one is an error at its path and line,
// and a variable can add no YAML of its own.

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are YAML values naming variables, not templates.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatConfigError, parseConfig } from '../../src/config/load.js';

const BASE = `login:\n  routes: [{ method: POST, path: /login }]\n  page: /login\n`;

/** The public paths as written. */
const pathsOf = (config: { public_paths: ReadonlyArray<{ path: string; prefix: boolean }> }) =>
  config.public_paths.map((rule) => (rule.prefix ? `${rule.path}/` : rule.path));

/** Parses an upstream URL and public paths (after /login) written as given, with `env`. */
async function parsed(url: string, paths: string[], env: Record<string, string>) {
  const list = ['/login', ...paths].map((path) => `  - "${path}"`).join('\n');
  return parseConfig(`upstream:\n  url: ${url}\npublic_paths:\n${list}\n${BASE}`, env);
}

test('a value takes variables, inside a string too; a fallback covers an unset or empty one', async () => {
  const result = await parsed('${UPSTREAM}', ['/${PUBLIC}/', '${MISSING:-/fallback}', '${EMPTY:-/also}'], {
    UPSTREAM: 'http://invoices:3001',
    PUBLIC: 'static',
    EMPTY: '',
  });
  assert.ok(result.ok, result.ok ? '' : result.errors.map(formatConfigError).join('; '));
  assert.equal(result.config.upstream.url, 'http://invoices:3001');
  assert.deepEqual(pathsOf(result.config), ['/login', '/static/', '/fallback', '/also']);
});

test('an unset variable without a fallback is an error naming it, at its path and line', async () => {
  const result = await parsed('${GATEWAY_UPSTREAM}', [], {});
  assert.ok(!result.ok);
  assert.ok(
    result.errors.some(
      (error) =>
        formatConfigError(error) ===
        'upstream.url: names the environment variable GATEWAY_UPSTREAM, which is not set (line 2)',
    ),
    result.errors.map(formatConfigError).join('; '),
  );
});

test('"$${" is a literal "${"; keys are never expanded', async () => {
  const result = await parseConfig(`upstream:\n  url: http://app:3001\n  \${KEY}: x\npublic_paths: [/login]\n${BASE}`, {
    KEY: 'url',
    B: 'no',
  });
  assert.ok(!result.ok);
  assert.deepEqual(result.errors.map(formatConfigError), ['upstream.${KEY}: unknown key (line 3)']);
  const escaped = await parsed('http://app:3001', ['/a$${b}'], { b: 'no' });
  assert.ok(escaped.ok);
  assert.deepEqual(pathsOf(escaped.config), ['/login', '/a${b}']);
});

test("a variable's value is one string: YAML inside it adds nothing", async () => {
  const result = await parsed('${UPSTREAM}', [], { UPSTREAM: 'http://app:3001\nusers: { admins: [mallory] }' });
  assert.ok(!result.ok, 'the URL with a newline is refused as a URL');
  const plain = await parsed('http://app:3001', ['${PATH_WITH_YAML}'], { PATH_WITH_YAML: '/x", "/y' });
  assert.ok(plain.ok);
  assert.deepEqual(pathsOf(plain.config), ['/login', '/x", "/y']);
});
