/**
 * What a register file changes, decided before anything is written (pure: no store, no clock). The file
 * is the authority for what it names and nothing else:
 * - a person it names gets, for each population the file contains, exactly the periods the file states
 *   (the register's current periods of that population are superseded when they differ); populations the
 *   file does not contain are untouched, so a civil-affairs file of 低保 does not end a poverty membership;
 * - a hospital it names gets exactly the tier periods the file states;
 * - people and hospitals it does not name are untouched.
 * Nothing is overwritten: the store keeps what is superseded, with when and by which batch (./import.ts).
 */
import type { HospitalInFile, Period, PersonInFile } from './rows.js';

/** A person as the register stands: the current details and the current (not superseded) memberships. */
export interface PersonNow {
  name: string;
  idNumber: string;
  county: string | null;
  insuredRegion: string | null;
  memberships: { population: string; from: string; to: string | null; batch: string }[];
}

export interface HospitalNow {
  name: string;
  regionCode: string;
  regionName: string;
  county: string | null;
  tiers: { tier: string; from: string; to: string | null; batch: string }[];
}

export interface PeopleCounts {
  /** People the register did not have. */
  newPeople: number;
  /** People whose details or memberships change. */
  changed: number;
  /** People the file names whose register entry already says exactly what the file says. */
  unchanged: number;
  /** Periods recorded that begin on a date the register did not have for that population. */
  membershipsStarted: number;
  /** Periods given an end (or an earlier end) on the same start date. */
  membershipsEnded: number;
  /** Periods the register had that the file no longer states (withdrawn: a correction). */
  membershipsWithdrawn: number;
}

export interface PersonChange {
  id: string;
  kind: 'new' | 'changed';
  /** The details change (a new version of the person is recorded). */
  details: boolean;
  /** The populations whose periods the file replaces, with the periods it states. */
  populations: Map<string, Period[]>;
  file: PersonInFile;
}

export interface PeoplePlan {
  counts: PeopleCounts;
  changes: PersonChange[];
}

const key = (p: { from: string; to: string | null }) => `${p.from}/${p.to ?? ''}`;

function samePeriods(a: readonly { from: string; to: string | null }[], b: readonly { from: string; to: string | null }[]): boolean {
  if (a.length !== b.length) return false;
  const ks = new Set(a.map(key));
  return b.every((p) => ks.has(key(p)));
}

/** How the periods of one population move from `before` to `after`, added into `counts`. */
function countPeriods(before: readonly { from: string; to: string | null }[], after: readonly { from: string; to: string | null }[], counts: PeopleCounts): void {
  const beforeKeys = new Set(before.map(key));
  const afterKeys = new Set(after.map(key));
  const beforeByFrom = new Map(before.map((p) => [p.from, p]));
  const afterFroms = new Set(after.map((p) => p.from));
  for (const p of after) {
    if (beforeKeys.has(key(p))) continue;
    if (beforeByFrom.has(p.from)) counts.membershipsEnded++;
    else counts.membershipsStarted++;
  }
  for (const p of before) if (!afterKeys.has(key(p)) && !afterFroms.has(p.from)) counts.membershipsWithdrawn++;
}

export function planPeople(file: ReadonlyMap<string, PersonInFile>, now: ReadonlyMap<string, PersonNow>): PeoplePlan {
  const counts: PeopleCounts = { newPeople: 0, changed: 0, unchanged: 0, membershipsStarted: 0, membershipsEnded: 0, membershipsWithdrawn: 0 };
  const changes: PersonChange[] = [];
  for (const p of file.values()) {
    const current = now.get(p.id);
    const populations = new Map<string, Period[]>();
    for (const [population, periods] of p.memberships) {
      const before = current ? current.memberships.filter((m) => m.population === population) : [];
      if (!samePeriods(before, periods)) {
        populations.set(population, periods);
        countPeriods(before, periods, counts);
      }
    }
    if (!current) {
      counts.newPeople++;
      changes.push({ id: p.id, kind: 'new', details: true, populations, file: p });
      continue;
    }
    const details = current.name !== p.name || current.idNumber !== p.idNumber || current.county !== p.county || current.insuredRegion !== p.insuredRegion;
    if (!details && populations.size === 0) {
      counts.unchanged++;
      continue;
    }
    counts.changed++;
    changes.push({ id: p.id, kind: 'changed', details, populations, file: p });
  }
  return { counts, changes };
}

export interface HospitalCounts {
  newHospitals: number;
  changed: number;
  unchanged: number;
  /** Tier periods recorded that the register did not have. */
  tiersRecorded: number;
}

export interface HospitalChange {
  code: string;
  kind: 'new' | 'changed';
  details: boolean;
  /** The tier history changes: the file's periods replace the register's. */
  tiers: boolean;
  file: HospitalInFile;
}

export interface HospitalsPlan {
  counts: HospitalCounts;
  changes: HospitalChange[];
}

export function planHospitals(file: ReadonlyMap<string, HospitalInFile>, now: ReadonlyMap<string, HospitalNow>): HospitalsPlan {
  const counts: HospitalCounts = { newHospitals: 0, changed: 0, unchanged: 0, tiersRecorded: 0 };
  const changes: HospitalChange[] = [];
  const tierKey = (t: { tier: string; from: string; to: string | null }) => `${t.tier}/${key(t)}`;
  for (const h of file.values()) {
    const current = now.get(h.code);
    const regionName = h.regionName ?? current?.regionName ?? h.regionCode;
    const before = new Set((current?.tiers ?? []).map(tierKey));
    const recorded = h.tiers.filter((t) => !before.has(tierKey(t))).length;
    const tiers = !current || recorded > 0 || current.tiers.length !== h.tiers.length;
    if (!current) {
      counts.newHospitals++;
      counts.tiersRecorded += recorded;
      changes.push({ code: h.code, kind: 'new', details: true, tiers: true, file: h });
      continue;
    }
    const details = current.name !== h.name || current.regionCode !== h.regionCode || current.regionName !== regionName || current.county !== h.county;
    if (!details && !tiers) {
      counts.unchanged++;
      continue;
    }
    counts.changed++;
    counts.tiersRecorded += recorded;
    changes.push({ code: h.code, kind: 'changed', details, tiers, file: h });
  }
  return { counts, changes };
}
