// Prints a new auditor key for the database named by ONESTOP_DB (a benchmark's setup).
import { createKey } from '../../dist/access/keys.js';
import { openStore } from '../../dist/store/open.js';

const store = await openStore(process.env.ONESTOP_DB);
process.stdout.write((await createKey(store, { role: 'auditor', label: 'bench' })).secret);
await store.close();
