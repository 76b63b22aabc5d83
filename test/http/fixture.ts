/**
 * A real service on a fresh SQLite file in a temp folder: the same boot as `npm start`, no mocks.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RequestListener } from 'node:http';
import type { Express } from 'express';
import { pino } from 'pino';
import { expect, vi } from 'vitest';
import { createKey, type Role } from '../../src/access/keys.js';
import { boot, type Booted } from '../../src/app/boot.js';
import { ApiError } from '../../src/errors/api-error.js';
import type { Route } from '../../src/http/route.js';
import type { AuditJobs } from '../../src/audit/jobs.js';
import { createService, type ServiceDeps } from '../../src/http/service.js';

export const ROOT = join(import.meta.dirname, '..', '..');
/** Catalogue entries (Z001, D101, S201, M301) that agree with inpatientBill()'s items. */
export const FIXTURE_CATALOGUE = join(ROOT, 'test', 'fixtures', 'catalogue.csv');

let imagesDir: string | undefined;
/**
 * Where the browser tests write their pictures (the pages' screenshots, the slip): docs/ with
 * ONESTOP_UPDATE_DOCS=1 (`npm run docs:images`), else a temp folder, so that `npm test` leaves the
 * working tree as it found it.
 */
export function docsImages(): string {
  imagesDir ??= process.env.ONESTOP_UPDATE_DOCS === '1' ? join(ROOT, 'docs') : mkdtempSync(join(tmpdir(), 'onestop-docs-'));
  return imagesDir;
}

export interface TestService extends Booted {
  /** What the server runs: the counter lane, then express (src/http/service.ts); supertest takes it as is. */
  app: RequestListener;
  /** The express app alone, without the counter lane. */
  expressApp: Express;
  /** Every route, as both adapters serve it. */
  routes: readonly Route[];
  /** The audit jobs (their threads are closed with the service). */
  audits: AuditJobs;
  dbFile: string;
  key(role: Role, hospital?: string): Promise<string>;
  close(): Promise<void>;
}

export async function startTestService(opts: { seed?: boolean; service?: Partial<Pick<ServiceDeps, 'auditThread' | 'now'>> } = {}): Promise<TestService> {
  const dbFile = join(mkdtempSync(join(tmpdir(), 'onestop-')), 'test.db');
  const booted = await boot({ db: dbFile, rulesDir: join(ROOT, 'rules'), seeds: opts.seed === false ? 'none' : join(ROOT, 'seeds') });
  const { loadRegistry, loadCatalogue } = await import('../../src/app/seed.js');
  if (opts.seed === false) await loadRegistry(booted.store, join(ROOT, 'seeds'));
  // The seeded demo has a catalogue for its region, so the codes of inpatientBill() are in it too, as a
  // hospital's would be (test/fixtures/catalogue.csv); without seeds there is no catalogue at all.
  else await loadCatalogue(booted.store, FIXTURE_CATALOGUE, 'test/fixtures/catalogue.csv');
  const { handler, app, routes, audits } = createService({ store: booted.store, rules: booted.rules, logger: pino({ level: 'silent' }), ...opts.service });
  return {
    ...booted,
    app: handler,
    expressApp: app,
    routes,
    audits,
    dbFile,
    key: async (role, hospital) => (await createKey(booted.store, { role, hospitalCode: hospital ?? null })).secret,
    close: async () => {
      await audits.idle();
      await audits.close();
      await booted.store.close();
    },
  };
}

/** A realistic inpatient bill at a hospital for a person, with a unique bill number. */
export function inpatientBill(opts: { billNo: string; hospital: string; person: string; discharged?: string; scale?: number }) {
  const s = opts.scale ?? 1;
  const money = (fen: number) => (fen / 100).toFixed(2);
  const surgery = Math.round(980000 * s);
  return {
    billNo: opts.billNo,
    hospital: { code: opts.hospital },
    person: { id: opts.person },
    visit: { type: 'inpatient', admitted: '2018-11-02', discharged: opts.discharged ?? '2018-11-12' },
    items: [
      { code: 'Z001', name: '床位费', class: 'A', unitPrice: '40.00', quantity: '10', amount: '400.00' },
      { code: 'D101', name: '头孢曲松钠注射液', class: 'B', selfPayRatio: '0.10', unitPrice: '25.50', quantity: '12', amount: '306.00', priceCap: '24.00' },
      { code: 'S201', name: '腹腔镜胆囊切除术', class: 'A', unitPrice: money(surgery), quantity: '1', amount: money(surgery) },
      { code: 'M301', name: '进口吻合器', class: 'C', unitPrice: '1500.00', quantity: '1', amount: '1500.00' },
    ],
  };
}

/** The ApiError a service call is refused with (failing the test if it succeeds or throws anything else). */
export async function refusal(p: Promise<unknown>): Promise<ApiError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e, String(e)).toBeInstanceOf(ApiError);
  return e as ApiError;
}

/** `onestop …` in this process against a database (ONESTOP_DB), with what it printed and its exit code. */
export async function cliOn(dbFile: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  const { main } = await import('../../src/cli/main.js');
  const out: string[] = [];
  const err: string[] = [];
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => (out.push(String(c)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => (err.push(String(c)), true));
  const saved = process.env.ONESTOP_DB;
  process.env.ONESTOP_DB = dbFile;
  try {
    return { code: await main(['node', 'onestop', ...args]), out: out.join(''), err: err.join('') };
  } finally {
    o.mockRestore();
    e.mockRestore();
    if (saved === undefined) delete process.env.ONESTOP_DB;
    else process.env.ONESTOP_DB = saved;
  }
}
