/**
 * How an import writes, for the register and the catalogue alike: read the state's version, plan against
 * what stands, and write the plan guarded by that version (a compare-and-set on `register_state`); when a
 * concurrent import moved the version in between, read and plan again, a few times at most.
 */
import type { Store } from '../store/port.js';
import { named, type WriteStep } from '../store/write-set.js';

/** What one attempt decided: an answer with nothing to write (unchanged, dry run), or steps and the answer once written. */
export type Planned<R> = { answer: R; steps?: undefined } | { answer: R; steps: WriteStep[] };

const BUMP = { register: 'bumpRegister', catalogue: 'bumpCatalogue' } as const;
const MAX_ATTEMPTS = 3;

export async function writeVersioned<R>(store: Store, state: keyof typeof BUMP, plan: (version: number) => Promise<Planned<R>>, conflict: () => Error): Promise<R> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const row = await store.db.selectFrom('register_state').select('version').where('id', '=', state).executeTakeFirstOrThrow();
    const version = Number(row.version);
    const planned = await plan(version);
    if (!planned.steps) return planned.answer;
    const outcome = await store.write({ steps: [{ kind: 'one', run: named(BUMP[state], { next_version: version + 1, version }), otherwise: 'stale' }, ...planned.steps] });
    if (outcome.kind === 'written') return planned.answer;
  }
  throw conflict();
}
