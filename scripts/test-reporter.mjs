// Owns what `npm test` prints: a dot per finished top-level test while the suite runs, each
// failure in full the moment it happens, then one screen: the failures again (one line each),
// the todo and skipped tests, the slowest files (a shared module such as test/store/contract.ts
// counts where its tests are defined), and the runner's own closing lines ("# tests",
// "# pass", "# fail"…, as the tap and spec reporters print them) for tools that read them.
// A todo test whose body fails is counted as todo, never printed as a failure (Node 24's spec
// reporter lists it among the failing tests). A test run compiled (scripts/run-tests.mjs) is
// named by its .ts file and line, read from the source map inlined in its compiled file.

import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

// Plain JavaScript: the runner loads its reporters before tsx's hooks are in place. The events
// read are test:pass and test:fail ({ name, nesting, file, line, todo, skip, details: {
// duration_ms, error } }) and test:diagnostic ({ nesting, message }).

const SLOWEST = 15;
const ERROR_LINES = 30;
const DOTS_PER_LINE = 80;

const INLINE_SOURCE_MAP = /\/\/# sourceMappingURL=data:application\/json;base64,(\S+)\s*$/;
const sourceMaps = new Map();

/** The source map inlined in a compiled test file (scripts/run-tests.mjs), or undefined. */
function sourceMapOf(file) {
  if (!sourceMaps.has(file)) {
    const inline = INLINE_SOURCE_MAP.exec(readFileSync(file, 'utf8'))?.[1];
    sourceMaps.set(file, inline && new SourceMap(JSON.parse(Buffer.from(inline, 'base64').toString())));
  }
  return sourceMaps.get(file);
}

/** A test's file and line in the source: a compiled test file is named by its .ts. */
function locate(data) {
  if (!data.file) return { file: undefined, line: data.line };
  const file = data.file.startsWith('file:') ? fileURLToPath(data.file) : data.file;
  const entry = data.line ? sourceMapOf(file)?.findEntry(data.line - 1, (data.column ?? 1) - 1) : undefined;
  if (!entry?.originalSource) return { file, line: data.line };
  const source = entry.originalSource;
  return { file: source.startsWith('file:') ? fileURLToPath(source) : source, line: entry.originalLine + 1 };
}

const where = (file) => (file ? relative(process.cwd(), file) : '(no file)');

/** The assertion's own message (a test code failure wraps it as the cause), cut to a screenful. */
function describeError(error) {
  const cause = error?.cause;
  const text = String(cause?.stack ?? cause?.message ?? error?.message ?? 'failed');
  const lines = text.split('\n');
  return lines.length > ERROR_LINES ? [...lines.slice(0, ERROR_LINES), '    …'].join('\n') : text;
}

export default async function* testReporter(source) {
  const failures = [];
  const todos = [];
  const skipped = [];
  const fileMs = new Map();
  const closing = [];
  let dots = 0;
  const dot = (mark) => `${mark}${++dots % DOTS_PER_LINE === 0 ? '\n' : ''}`;

  for await (const { type, data } of source) {
    if (type === 'test:diagnostic' && data.nesting === 0 && data.message) closing.push(`# ${data.message}`);
    // A file's time: from its earliest test's start (a result's time less its duration) to its
    // last result. Queue events are left out: every file is queued at the start of the run.
    if (type !== 'test:pass' && type !== 'test:fail') continue;
    const { file, line } = locate(data);
    if (file) {
      const now = Date.now();
      const span = fileMs.get(file) ?? { first: now, last: now };
      span.first = Math.min(span.first, now - (data.details?.duration_ms ?? 0));
      span.last = now;
      fileMs.set(file, span);
    }
    const title = `${where(file)} › ${data.name}`;
    if (data.todo !== undefined && data.todo !== false) {
      todos.push(`${title}${typeof data.todo === 'string' ? ` (${data.todo})` : ''}`);
      continue;
    }
    if (data.skip !== undefined && data.skip !== false) {
      skipped.push(`${title}${typeof data.skip === 'string' ? ` (${data.skip})` : ''}`);
      continue;
    }
    if (type === 'test:pass') {
      if (data.nesting === 0) yield dot('.');
      continue;
    }
    // A suite that failed because a test inside it failed adds nothing to that test's report.
    if (data.details?.error?.failureType === 'subtestsFailed') continue;
    const message = describeError(data.details?.error);
    failures.push(`${title}: ${message.split('\n')[0]}`);
    yield `${dots % DOTS_PER_LINE === 0 ? '' : '\n'}✖ ${title}${line ? ` (line ${line})` : ''}\n${message}\n`;
    dots = 0;
  }

  const lines = ['', '', '── summary ──'];
  const section = (heading, items) => {
    if (items.length === 0) return;
    lines.push(`${heading} (${items.length}):`, ...items.map((item) => `  ${item}`));
  };
  section('✖ failed', failures);
  section('todo', todos);
  section('skipped', skipped);
  const slowest = [...fileMs]
    .map(([file, span]) => [file, span.last - span.first])
    .sort((a, b) => b[1] - a[1])
    .slice(0, SLOWEST);
  if (slowest.length > 0) {
    lines.push(`slowest files (first test's start to last result, of ${fileMs.size} files):`);
    for (const [file, ms] of slowest) lines.push(`  ${(ms / 1000).toFixed(1).padStart(6)} s  ${where(file)}`);
  }
  lines.push(...closing, '');
  yield lines.join('\n');
}
