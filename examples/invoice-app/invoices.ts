// The seeded invoice book: lookups by id and by public share token, plus money and text formatting.
export type InvoiceStatus = 'draft' | 'open' | 'paid' | 'overdue';

export interface Invoice {
  readonly id: string;
  readonly customer: string;
  readonly amountCents: number;
  readonly currency: 'EUR';
  readonly status: InvoiceStatus;
  readonly issuedOn: string;
  /** Unguessable token of the public, read-only share link. */
  readonly shareToken: string;
}

// Fixed tokens keep share links stable across restarts, which demos and gateway tests rely on.
export const SEED_INVOICES: readonly Invoice[] = [
  {
    id: '1001',
    customer: 'Acme Corporation',
    amountCents: 125_000,
    currency: 'EUR',
    status: 'paid',
    issuedOn: '2024-01-15',
    shareToken: '9f1c4b7e2a6d48c3b5e0f1a2d3c4b5a6',
  },
  {
    id: '1002',
    customer: 'Globex GmbH',
    amountCents: 98_050,
    currency: 'EUR',
    status: 'open',
    issuedOn: '2024-02-03',
    shareToken: '2b8e6f0a1c3d45e7a9b1c2d3e4f5a6b7',
  },
  {
    id: '1003',
    customer: 'Initech Ltd',
    amountCents: 430_000,
    currency: 'EUR',
    status: 'overdue',
    issuedOn: '2024-02-20',
    shareToken: '7d3a9c1e5b2f46a8b0c1d2e3f4a5b6c7',
  },
  {
    id: '1004',
    customer: 'Umbrella Supplies',
    amountCents: 21_575,
    currency: 'EUR',
    status: 'open',
    issuedOn: '2024-03-08',
    shareToken: 'c4e2a8f6b0d14c9e8a7b6c5d4e3f2a1b',
  },
  {
    id: '1005',
    customer: 'Stark & Wayne Partners',
    amountCents: 1_200_000,
    currency: 'EUR',
    status: 'draft',
    issuedOn: '2024-03-21',
    shareToken: '5a7c9e1b3d5f47a9c1e3a5b7c9d1e3f5',
  },
];

const money = new Intl.NumberFormat('en-IE', { style: 'currency', currency: 'EUR' });

export function formatAmount(invoice: Invoice): string {
  return money.format(invoice.amountCents / 100);
}

export function invoiceNumber(invoice: Invoice): string {
  return `INV-${invoice.id}`;
}

export function invoiceAsText(invoice: Invoice): string {
  return [
    `Invoice ${invoiceNumber(invoice)}`,
    `Customer: ${invoice.customer}`,
    `Issued on: ${invoice.issuedOn}`,
    `Amount: ${formatAmount(invoice)}`,
    `Status: ${invoice.status}`,
    '',
  ].join('\n');
}

export class InvoiceBook {
  readonly #invoices: readonly Invoice[];
  readonly #byId: ReadonlyMap<string, Invoice>;
  readonly #byShareToken: ReadonlyMap<string, Invoice>;

  constructor(invoices: readonly Invoice[] = SEED_INVOICES) {
    this.#invoices = invoices;
    this.#byId = new Map(invoices.map((invoice) => [invoice.id, invoice]));
    this.#byShareToken = new Map(invoices.map((invoice) => [invoice.shareToken, invoice]));
  }

  list(): readonly Invoice[] {
    return this.#invoices;
  }

  byId(id: string): Invoice | undefined {
    return this.#byId.get(id);
  }

  byShareToken(token: string): Invoice | undefined {
    return this.#byShareToken.get(token);
  }
}
