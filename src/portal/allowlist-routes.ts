// Owns the admin page of the staff IP allowlists under the gateway prefix: GET
// /admin/allowlists shows every list, POST /admin/allowlists/add and /remove change one entry
// through the process's editor of the lists (gateway.yaml or Redis). Only an admin's full
// session that passed a second step gets in (others: 403; nobody: the login page); forms carry
// the session's CSRF token (S10); an entry is validated as every editor validates it; a change
// that would shut out the admin making it is refused; every change and refusal is audited.
// While gateway.yaml on disk does not validate, the page shows the lists in force and refuses edits.

import { basename } from 'node:path';
import { allowlistVerdict } from '../access/allowlist-verdict.js';
import { applyAllowlistChange, type ChangeOutcome } from '../allowlist/apply-change.js';
import { type AllowlistEditor, AllowlistEditRefusedError } from '../allowlist/editor.js';
import { defaultListName, listSections, targetFacts } from '../allowlist/targets.js';
import {
  type AllowlistChange,
  type AllowlistData,
  type AllowlistTarget,
  compileAllowlists,
  type Parsed,
  parseEntry,
  parseListName,
  withCanonicalUsers,
  withChange,
} from '../config/allowlist-data.js';
import { canonicalUsername, usernameRulesOf } from '../config/username.js';
import { sendHtml } from '../http/respond.js';
import { audit } from '../ops/audit.js';
import { csrfToken } from '../session/csrf.js';
import type { SessionRecord } from '../session/records.js';
import { verifiedAdmin } from './admin-access.js';
import { type AllowlistPageView, allowlistPage, type PageMessage } from './allowlist-page.js';
import { type PortalPage, postedForm, type RouteContext } from './route-context.js';

const PAGE = '/admin/allowlists';
const ADD = `${PAGE}/add`;
const REMOVE = `${PAGE}/remove`;

type Draft = AllowlistPageView['draft'];

interface AdminContext extends RouteContext {
  session: SessionRecord;
  editor: AllowlistEditor;
}

/**
 * The lists as kept now, with users' lists under their canonical names (as the gateway reads
 * them), and why they cannot be changed here, if they cannot. A gateway.yaml that does not
 * validate leaves the gateway on its last good configuration: those lists are shown.
 */
async function currentLists(ctx: AdminContext): Promise<{ data: AllowlistData; readOnly?: string; invalid?: true }> {
  const canonical = ctx.scope.runtime.canonicalUser;
  try {
    const data = withCanonicalUsers(await ctx.editor.read(), canonical);
    return { data, readOnly: await ctx.editor.readOnlyReason() };
  } catch (error) {
    if (!(error instanceof AllowlistEditRefusedError)) throw error;
    return {
      data: withCanonicalUsers(ctx.scope.runtime.config.allowlists, canonical),
      readOnly: `${error.message}. The lists shown are those in force, from the last configuration that validated; edits are refused until the file is fixed`,
      invalid: true,
    };
  }
}

/** Whether the admin may be at this address under `data`; undefined binding: admins are bound to no list. */
function standing(ctx: AdminContext, data: AllowlistData) {
  const binding = ctx.scope.runtime.config.policy[ctx.session.role]?.allowlist;
  const verdict = allowlistVerdict({
    user: ctx.session.user,
    binding,
    address: ctx.scope.client.address,
    lists: compileAllowlists(data),
  });
  return { binding, verdict };
}

function standingText(ctx: AdminContext, data: AllowlistData): string {
  const { binding, verdict } = standing(ctx, data);
  if (binding === undefined) return `${ctx.session.role}s are bound to no list, so any address will do`;
  if (!verdict.allowed) return `outside list ${binding} and your own list`;
  return verdict.via === 'user' ? 'in your own list' : `in list ${binding}`;
}

async function render(ctx: AdminContext, status: number, message?: PageMessage, draft?: Draft): Promise<void> {
  const { scope, editor, configFile: file } = ctx;
  const config = scope.runtime.config;
  const { data, readOnly } = await currentLists(ctx);
  const view: AllowlistPageView = {
    admin: ctx.session.user,
    address: scope.client.address,
    addressStanding: standingText(ctx, data),
    keptIn:
      editor.source === 'redis'
        ? 'Redis, shared by every gateway'
        : file
          ? `${basename(file)} (${file})`
          : 'the configuration in force',
    takesEffect:
      editor.source === 'redis'
        ? 'a saved change reaches every gateway within a second'
        : 'a saved change applies once the gateway has re-read the file, within a second or two',
    readOnly,
    sections: listSections(config, data),
    draft: draft ?? { kind: 'list', name: defaultListName(config), cidr: '', note: '' },
  };
  const csrf = csrfToken(ctx.services.keys.digest, ctx.session.id);
  sendHtml(scope, ctx.res, status, allowlistPage({ prefix: ctx.prefix, csrf }, view, message));
}

/** The list a form names: a list name as the model checks it, or a username as the login canonicalises it. */
function targetOf(ctx: AdminContext, draft: Draft): Parsed<AllowlistTarget> {
  if (draft.kind === 'list') {
    const name = parseListName(draft.name);
    return name.ok ? { ok: true, value: { kind: 'list', name: name.value } } : name;
  }
  const user = canonicalUsername(draft.name, usernameRulesOf(ctx.login.username));
  return user === undefined
    ? { ok: false, message: `"${draft.name}" is not a username the login accepts` }
    : { ok: true, value: { kind: 'user', name: user } };
}

async function edit(ctx: AdminContext, action: 'add' | 'remove'): Promise<void> {
  const { scope, services, session, editor } = ctx;
  const form = await postedForm(ctx, session.id);
  if (!form) return;
  const draft: Draft = {
    kind: form.get('kind') === 'user' ? 'user' : 'list',
    name: (form.get('name') ?? '').trim(),
    cidr: (form.get('cidr') ?? '').trim(),
    note: action === 'add' ? (form.get('note') ?? '') : '',
  };
  const who = { by: 'admin_page', admin: session.user, client: scope.client.address, request_id: scope.id };
  const refuse = async (status: number, reason: string, message: string, facts: Record<string, unknown> = {}) => {
    audit(services.logger, 'allowlist.edit_refused', { ...who, action, reason, ...facts });
    await render(ctx, status, { kind: 'error', text: message }, draft);
  };

  const target = targetOf(ctx, draft);
  if (!target.ok) return refuse(400, 'invalid_list', target.message);
  const parsed = parseEntry(draft.cidr, draft.note);
  if (!parsed.ok) return refuse(400, 'invalid_entry', parsed.message, targetFacts(target.value));
  const entry = parsed.value;
  const facts = { ...targetFacts(target.value), cidr: entry.cidr };
  const change: AllowlistChange = action === 'add' ? { kind: 'add', entry } : { kind: 'remove', cidr: entry.cidr };

  const { data, readOnly, invalid } = await currentLists(ctx);
  if (readOnly) {
    return refuse(409, invalid ? 'file_invalid' : 'read_only', `The lists cannot be changed here: ${readOnly}.`, facts);
  }
  // Admins bound to a list must not cut off the admin who is editing (issue 4): the result is
  // judged with the model before anything is saved.
  const after = standing(ctx, withChange(data, target.value, change));
  if (!after.verdict.allowed) {
    return refuse(
      409,
      'self_lockout',
      `Not saved: this change would lock you out. Your address ${scope.client.address} would no longer be in list ${after.binding} or your own list.`,
      facts,
    );
  }

  let outcome: ChangeOutcome;
  try {
    outcome = await applyAllowlistChange(editor, data, target.value, change, (event, fields) =>
      audit(services.logger, event, { ...who, ...fields }),
    );
  } catch (error) {
    if (!(error instanceof AllowlistEditRefusedError)) throw error;
    return refuse(409, 'source_refused', `Not saved: ${error.message}.`, facts);
  }
  const sentence = `${outcome.text.charAt(0).toUpperCase()}${outcome.text.slice(1)}.`;
  if (!outcome.done) return refuse(outcome.reason === 'not_found' ? 404 : 409, outcome.reason, sentence, facts);
  await render(ctx, 200, { kind: 'done', text: sentence });
}

/** Serves the allowlists' pages to an admin whose login passed a second step. */
async function serveAllowlistPage(ctx: RouteContext, route: string): Promise<void> {
  const { scope, req, services } = ctx;
  const session = verifiedAdmin(ctx, 'the allowlists page', (refused) => {
    if (req.method !== 'POST') return;
    audit(services.logger, 'allowlist.edit_refused', {
      by: 'admin_page',
      user: refused.user,
      role: refused.role,
      reason: 'not_admin',
      client: scope.client.address,
      request_id: scope.id,
    });
  });
  if (!session) return;
  const editor = services.allowlistEditor.current(scope.runtime.config);
  const admin: AdminContext = { ...ctx, session, editor };
  if (route === PAGE) await render(admin, 200);
  else await edit(admin, route === ADD ? 'add' : 'remove');
}

/** The allowlists' admin pages: the lists, and the two edits. */
export const ALLOWLIST_PAGES: ReadonlyMap<string, PortalPage> = new Map([
  [PAGE, { methods: ['GET', 'HEAD'], serve: serveAllowlistPage }],
  [ADD, { methods: ['POST'], serve: serveAllowlistPage }],
  [REMOVE, { methods: ['POST'], serve: serveAllowlistPage }],
]);
