// Boots a fresh database (migrations + seeded demo year), creates one window key per hospital, and
// prints them as JSON: the benchmark's setup, outside the timed part.
import { boot } from '../../dist/app/boot.js';
import { createKey } from '../../dist/access/keys.js';

const { store } = await boot({ db: process.env.ONESTOP_DB });
const hospitals = await store.db.selectFrom('hospitals').select('code').execute();
const keys = {};
for (const h of hospitals) keys[h.code] = (await createKey(store, { role: 'window', hospitalCode: h.code, label: 'bench' })).secret;
await store.close();
process.stdout.write(JSON.stringify(keys));
