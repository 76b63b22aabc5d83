/**
 * The SQLite writer thread (compiled to dist/store/sqlite/writer-worker.js; see ./writer-thread.ts):
 * a connection of its own, and the group commit (./group-commit.ts) over it. It runs the write sets it
 * is sent and answers each batch's sets once their COMMIT has returned. It parses nothing and decides
 * nothing: the API thread has validated, resolved and computed everything a set carries.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openSqliteConnection } from './connection.js';
import { GroupCommit } from './group-commit.js';
import { WRITER_PROTOCOL, unpackWriteSet, type FromWriter, type ToWriter } from './writer-thread.js';
import { SqliteWriter } from './writer.js';

const port = parentPort!;
const { file } = workerData as { file: string };
const database = openSqliteConnection(file);
const commits = new GroupCommit<number>(new SqliteWriter(database), (ids, answers) => {
  port.postMessage(ids.map((id, i) => ({ id, answer: answers[i]! })) satisfies FromWriter);
});

port.on('message', (m: ToWriter) => {
  if (m.type === 'close') {
    database.close();
    port.close();
    return;
  }
  commits.submit(unpackWriteSet(m.set), m.id);
});

port.postMessage({ ready: WRITER_PROTOCOL });
