/** One settlement of a person at a time in a process; different people in parallel. */
import { describe, expect, it } from 'vitest';
import { PersonQueue } from '../../src/settle/person-queue.js';

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('PersonQueue', () => {
  it('runs one call per key at a time, in arrival order, and says which waited', async () => {
    const q = new PersonQueue();
    const log: string[] = [];
    let running = 0;
    let most = 0;
    const job = (key: string, name: string) =>
      q.run(key, async (waited) => {
        running++;
        most = Math.max(most, running);
        log.push(`${name} start${waited ? ' (waited)' : ''}`);
        await tick();
        log.push(`${name} end`);
        running--;
        return name;
      });
    const results = await Promise.all([job('P1', 'a'), job('P1', 'b'), job('P1', 'c')]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['a start', 'a end', 'b start (waited)', 'b end', 'c start (waited)', 'c end']);
    expect(most).toBe(1);
    expect(q.size).toBe(0);
  });

  it('lets different people run together, and a failure does not block the next call of the person', async () => {
    const q = new PersonQueue();
    let running = 0;
    let most = 0;
    const slow = (key: string) =>
      q.run(key, async () => {
        running++;
        most = Math.max(most, running);
        await tick();
        running--;
      });
    await Promise.all([slow('P1'), slow('P2'), slow('P3')]);
    expect(most).toBe(3);
    const failed = q.run('P1', async () => {
      throw new Error('refused');
    });
    const next = q.run('P1', async (waited) => `ran, waited=${waited}`);
    await expect(failed).rejects.toThrow('refused');
    await expect(next).resolves.toBe('ran, waited=true');
    expect(q.size).toBe(0);
  });
});
