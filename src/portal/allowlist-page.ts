// Owns the admin page of the staff IP allowlists: every named list and user list with its
// entries and notes, a form to add an entry and one to remove each, the visitor's own address,
// and where the lists are kept (or why they cannot be changed here). Every form carries its
// CSRF token (S10); every value is escaped.

import type { ListSection } from '../allowlist/targets.js';
import type { AllowlistTarget } from '../config/allowlist-data.js';
import { escapeHtml, renderPage } from '../http/html.js';
import { adminNav } from './console-page.js';
import type { FormContext } from './forms.js';

export interface AllowlistPageView {
  readonly admin: string;
  /** The visitor's address as the gateway resolved it (S7). */
  readonly address: string;
  /** What the lists say about that address for the visitor, in a few words. */
  readonly addressStanding: string;
  /** Where the lists are kept: "gateway.yaml (/etc/gateway/gateway.yaml)", "Redis". */
  readonly keptIn: string;
  /** How a saved change reaches the running gateways. */
  readonly takesEffect: string;
  /** Why changes cannot be saved here, when they cannot. */
  readonly readOnly?: string;
  readonly sections: readonly ListSection[];
  /** What the add form is filled with (the default list, or what was posted with an error). */
  readonly draft: {
    readonly kind: AllowlistTarget['kind'];
    readonly name: string;
    readonly cidr: string;
    readonly note: string;
  };
}

export type PageMessage = { readonly kind: 'error' | 'done'; readonly text: string };

const PAGE_STYLE = `<style>
main{max-width:46rem}
section{border-top:1px solid #e3e6eb;padding-top:.6rem;margin-top:1rem}
h2{font-size:1.05rem;margin:.2rem 0}
ul.entries{list-style:none;padding:0;margin:.4rem 0}
ul.entries li{display:flex;align-items:center;gap:.6rem;padding:.3rem 0;border-bottom:1px solid #f0f1f4;flex-wrap:wrap}
code{font-family:ui-monospace,monospace;font-size:.95rem}
.note{color:#445;flex:1}
label{display:block;font-weight:600;margin:.8rem 0 .3rem}
input[type=text],select{font-size:1rem;padding:.5rem;width:100%;box-sizing:border-box;border:1px solid #c5cad3;border-radius:8px;background:#fff}
button{font-size:.95rem;padding:.55rem 1rem;border:0;border-radius:8px;background:#2456c9;color:#fff;cursor:pointer}
button.remove{background:#e8ebf0;color:#1d2330;padding:.35rem .8rem}
form.add{border-top:1px solid #e3e6eb;margin-top:1.2rem;padding-top:.6rem}
form.add button{margin-top:1rem;width:100%}
.error{color:#a3121d;background:#fdecee;padding:.6rem;border-radius:8px}
.done{color:#0f5b2a;background:#e6f6ec;padding:.6rem;border-radius:8px}
.readonly{background:#fff6df;padding:.6rem;border-radius:8px}
</style>`;

const hidden = (name: string, value: string) => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;

function title(target: AllowlistTarget): string {
  return target.kind === 'list' ? `List ${target.name}` : `User ${target.name}`;
}

function section(ctx: FormContext, view: AllowlistPageView, list: ListSection): string {
  const bound =
    list.target.kind === 'user'
      ? `This user's own addresses, allowed in addition to the list of the user's role.`
      : list.roles.length
        ? `For role${list.roles.length === 1 ? '' : 's'} ${escapeHtml(list.roles.join(', '))}.`
        : 'No role is bound to this list.';
  const entries = list.entries.map((entry) => {
    const remove = view.readOnly
      ? ''
      : `<form method="post" action="${escapeHtml(ctx.prefix)}/admin/allowlists/remove">
${hidden('csrf_token', ctx.csrf)}${hidden('kind', list.target.kind)}${hidden('name', list.target.name)}${hidden('cidr', entry.cidr)}
<button type="submit" class="remove" aria-label="Remove ${escapeHtml(entry.cidr)} from ${escapeHtml(title(list.target).toLowerCase())}">Remove</button>
</form>`;
    return `<li><code>${escapeHtml(entry.cidr)}</code><span class="note">${escapeHtml(entry.note ?? '')}</span>${remove}</li>`;
  });
  const body = entries.length ? `<ul class="entries">${entries.join('')}</ul>` : '<p class="muted">No entries.</p>';
  return `<section data-list="${escapeHtml(`${list.target.kind}:${list.target.name}`)}"><h2>${escapeHtml(title(list.target))}</h2>
<p class="muted">${bound}</p>${body}</section>`;
}

function addForm(ctx: FormContext, view: AllowlistPageView): string {
  const { draft } = view;
  const option = (value: string, text: string) =>
    `<option value="${value}"${draft.kind === value ? ' selected' : ''}>${text}</option>`;
  return `<form method="post" class="add" action="${escapeHtml(ctx.prefix)}/admin/allowlists/add">
<h2>Add an address or range</h2>
${hidden('csrf_token', ctx.csrf)}
<label for="kind">Add to</label>
<select id="kind" name="kind">${option('list', 'A named list')}${option('user', "A user's own list")}</select>
<label for="name">List name or username</label>
<input type="text" id="name" name="name" required maxlength="256" value="${escapeHtml(draft.name)}">
<label for="cidr">Address or CIDR range</label>
<input type="text" id="cidr" name="cidr" required maxlength="64" placeholder="192.0.2.7 or 10.0.0.0/8" value="${escapeHtml(draft.cidr)}">
<label for="note">Note (who, why)</label>
<input type="text" id="note" name="note" maxlength="200" value="${escapeHtml(draft.note)}">
<button type="submit">Add entry</button>
</form>`;
}

/** The admin page of the allowlists. */
export function allowlistPage(ctx: FormContext, view: AllowlistPageView, message?: PageMessage): string {
  const notice = message
    ? message.kind === 'error'
      ? `<p class="error" role="alert">${escapeHtml(message.text)}</p>`
      : `<p class="done" role="status">${escapeHtml(message.text)}</p>`
    : '';
  const readOnly = view.readOnly
    ? `<p class="readonly" id="read-only">The lists cannot be changed here: ${escapeHtml(view.readOnly)}.</p>`
    : '';
  return renderPage(
    'Staff IP allowlists',
    `${PAGE_STYLE}${adminNav(ctx.prefix, 'allowlists')}<h1>Staff IP allowlists</h1>
<p class="muted">Signed in as ${escapeHtml(view.admin)}. Kept in ${escapeHtml(view.keptIn)}; ${escapeHtml(view.takesEffect)}.</p>
<p id="your-address">Your address: <strong><code>${escapeHtml(view.address)}</code></strong> (${escapeHtml(view.addressStanding)})</p>
${notice}${readOnly}
${view.sections.map((list) => section(ctx, view, list)).join('\n')}
${view.readOnly ? '' : addForm(ctx, view)}`,
  );
}
