// The in-process half of bench:fast-paths (see run.mjs): two fast paths on one thread, each against its
// plain form, alternating. Usage: node in-process.mjs <pairs>; prints JSON.
//  - reading a bill: zod's compiled parser (src/bill/parse.ts) against the runtime parser of the same schema;
//  - a settlement's write set: statements compiled once (store/statements.ts) against building and
//    compiling each statement with kysely for every settlement, and the set's crossing to the writer
//    thread (a structured clone) either way.
const clone = (v) => structuredClone(v);
import { join } from 'node:path';
import { DummyDriver, Kysely, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler } from 'kysely';
import { parseBillInput } from '../../dist/bill/parse.js';
import { billInputSchema, toEngineBill } from '../../dist/bill/schema.js';
import { loadRulesFile } from '../../dist/rules/load.js';
import { computeSettlement, settlementRow, settlementWriteSet } from '../../dist/settle/compute.js';
import { compiled } from '../../dist/store/write-set.js';
import { billFor, loadRegistry } from '../counter/bills.mjs';

const PAIRS = Number(process.argv[2] ?? 8);
const ROOT = join(import.meta.dirname, '..', '..');
const N = 2000;
const { hospitals, people } = loadRegistry(join(ROOT, 'seeds'));
const tierOf = Object.fromEntries(hospitals.map((h) => [h.code, h.tier]));
const popsOf = Object.fromEntries(people.map((p) => [p.id, p.populations]));
const ruleset = loadRulesFile(join(ROOT, 'rules', '152200-xingan', '2018.yaml')).ruleset;
const bodies = Array.from({ length: N }, (_, i) => billFor(i, 'fast-paths', hospitals, people).body);

/** µs per call of `fn` over `inputs()` (fresh inputs each time, made before the clock starts). */
function time(inputs, fn) {
  const xs = inputs();
  const t = process.hrtime.bigint();
  for (const x of xs) fn(x);
  return Number(process.hrtime.bigint() - t) / 1000 / xs.length;
}

function alternate(name, inputs, fast, plain) {
  for (let w = 0; w < 3; w++) (time(inputs, fast), time(inputs, plain));
  const pairs = [];
  for (let i = 0; i < PAIRS; i++) {
    if (i % 2 === 0) pairs.push({ fast: time(inputs, fast), plain: time(inputs, plain) });
    else {
      const plainT = time(inputs, plain);
      pairs.push({ fast: time(inputs, fast), plain: plainT });
    }
  }
  return { name, pairs };
}

const out = [];
const parsedBodies = () => bodies.map((b) => JSON.parse(b));
out.push(
  alternate(
    'bill read: compiled (z.compile) against runtime zod',
    parsedBodies,
    (b) => {
      if (!parseBillInput(b).success) throw new Error('a benchmark bill was refused');
    },
    (b) => {
      if (!billInputSchema.safeParse(b).success) throw new Error('a benchmark bill was refused');
    },
  ),
);

// Settlements computed once, on an empty ledger and on a ledger as a second bill would find it.
const jobs = bodies.map((body, i) => {
  const input = billInputSchema.parse(JSON.parse(body));
  const bill = toEngineBill(input, tierOf[input.hospital.code], popsOf[input.person.id]);
  const ledger = i % 2 ? { accumulators_json: '{}', version: 3 } : undefined;
  const c = computeSettlement(bill, ruleset, ledger);
  const now = new Date();
  const job = {
    id: `JS-${i}`, year: 2018, hospitalCode: input.hospital.code, billNo: input.billNo, personId: input.person.id, visit: input.visit,
    rulesetId: ruleset.id, rulesetHash: '0'.repeat(64), billHash: '0'.repeat(64), billJson: body, createdAt: now.toISOString(), createdBy: 'bench',
  };
  return { job, c };
});
const db = new Kysely({ dialect: { createAdapter: () => new SqliteAdapter(), createDriver: () => new DummyDriver(), createIntrospector: (k) => new SqliteIntrospector(k), createQueryCompiler: () => new SqliteQueryCompiler() } });

/** The same write set, each statement built and compiled with kysely for this settlement. */
function builtEachTime({ job, c }) {
  const row = settlementRow(job, c);
  const base = settlementWriteSet(job, c).steps;
  const ledger = { person_id: job.personId, year: job.year };
  return {
    steps: [
      { kind: 'absent', run: compiled(db.selectFrom('settlements').selectAll().where('hospital_code', '=', job.hospitalCode).where('bill_no', '=', job.billNo).compile()), otherwise: 'existing' },
      {
        kind: 'one',
        run: compiled(
          c.ledger
            ? db.updateTable('ledgers').set({ accumulators_json: c.ledgerAfterJson, version: c.ledger.version + 1 }).where('person_id', '=', job.personId).where('year', '=', job.year).where('version', '=', c.ledger.version).compile()
            : db.insertInto('ledgers').values({ ...ledger, accumulators_json: c.ledgerAfterJson, version: 1 }).onConflict((oc) => oc.columns(['person_id', 'year']).doNothing()).compile(),
        ),
        otherwise: 'stale',
        read: compiled(db.selectFrom('ledgers').select(['accumulators_json', 'version']).where('person_id', '=', job.personId).where('year', '=', job.year).compile()),
      },
      { kind: 'run', run: compiled(db.insertInto('settlements').values(row).compile()) },
      ...c.funds.map((f) => ({ kind: 'run', run: compiled(db.insertInto('settlement_funds').values({ settlement_id: job.id, fund: f.fund, amount_fen: f.amountFen }).compile()) })),
      base[base.length - 1],
    ],
  };
}

out.push(
  alternate(
    'write set: statements compiled once, against kysely per settlement (built and sent to the writer thread)',
    () => jobs,
    (j) => clone(settlementWriteSet(j.job, j.c)),
    (j) => clone(builtEachTime(j)),
  ),
);

process.stdout.write(JSON.stringify(out));
