// Group commit, on writes the test finishes by hand: which inputs go together is decided by what
// is still being written, so no timing is involved.
import { describe, expect, it } from 'vitest';
import { groupCommit, type Settled } from '../src/group-commit.js';
import { ManualClock } from './support/manual-clock.js';

/** A write whose calls the test sees and finishes one by one. */
function heldWrite() {
  const calls: { inputs: readonly number[]; finish(): void; fail(error: Error): void }[] = [];
  const write = (inputs: readonly number[]) =>
    new Promise<readonly Settled<string>[]>((resolve, reject) => {
      calls.push({
        inputs,
        finish: () => resolve(inputs.map((n) => ({ ok: true as const, value: `stored ${n}` }))),
        fail: reject,
      });
    });
  return { calls, write };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('groupCommit', () => {
  it('writes a lone input at once, and the inputs that arrive while writes run together in the next write', async () => {
    const { calls, write } = heldWrite();
    const store = groupCommit(write, { maxBatch: 100, parallel: 2 });
    const answers = Array.from({ length: 31 }, (_, n) => store(n));
    await settle();
    // Two writes may run at once: the first two inputs went alone, the other 29 wait.
    expect(calls.map((c) => c.inputs)).toEqual([[0], [1]]);
    calls[0]!.finish();
    await settle();
    expect(calls[2]!.inputs).toEqual(Array.from({ length: 29 }, (_, i) => i + 2));
    calls[1]!.finish();
    calls[2]!.finish();
    expect(await Promise.all(answers)).toEqual(Array.from({ length: 31 }, (_, n) => `stored ${n}`));
    expect(calls).toHaveLength(3);
  });

  it('holds a group to maxBatch inputs', async () => {
    const { calls, write } = heldWrite();
    const store = groupCommit(write, { maxBatch: 3, parallel: 1 });
    const answers = Array.from({ length: 8 }, (_, n) => store(n));
    await settle();
    calls[0]!.finish();
    await settle();
    calls[1]!.finish();
    await settle();
    calls[2]!.finish();
    await settle();
    calls[3]!.finish();
    await Promise.all(answers);
    expect(calls.map((c) => c.inputs)).toEqual([[0], [1, 2, 3], [4, 5, 6], [7]]);
  });

  it('fails every input of a write that throws with its error, and goes on with the next group', async () => {
    const { calls, write } = heldWrite();
    const store = groupCommit(write, { maxBatch: 100, parallel: 1 });
    const first = store(1);
    const second = store(2);
    const third = store(3);
    await settle();
    calls[0]!.finish();
    await settle();
    calls[1]!.fail(new Error('connection lost'));
    await expect(second).rejects.toThrow('connection lost');
    await expect(third).rejects.toThrow('connection lost');
    expect(await first).toBe('stored 1');
    const later = store(4);
    await settle();
    calls[2]!.finish();
    expect(await later).toBe('stored 4');
  });

  it('with a linger, holds a lone input until the linger is over and writes what came meanwhile with it', async () => {
    const { calls, write } = heldWrite();
    const clock = new ManualClock();
    const add = groupCommit(write, { maxBatch: 100, parallel: 2, linger: { ms: 20, clock } });
    const answers = [add(1)];
    await clock.advance(15);
    answers.push(add(2), add(3));
    await settle();
    expect(calls).toHaveLength(0);
    await clock.advance(5);
    expect(calls.map((c) => c.inputs)).toEqual([[1, 2, 3]]);
    // The next input waits its own linger, from its own arrival.
    answers.push(add(4));
    await clock.advance(19);
    expect(calls).toHaveLength(1);
    await clock.advance(1);
    expect(calls.map((c) => c.inputs)).toEqual([[1, 2, 3], [4]]);
    for (const call of calls) call.finish();
    expect(await Promise.all(answers)).toEqual(['stored 1', 'stored 2', 'stored 3', 'stored 4']);
  });

  it('with a linger, writes a full group at once', async () => {
    const { calls, write } = heldWrite();
    const clock = new ManualClock();
    const add = groupCommit(write, { maxBatch: 3, parallel: 2, linger: { ms: 20, clock } });
    const answers = Array.from({ length: 4 }, (_, n) => add(n));
    await settle();
    expect(calls.map((c) => c.inputs)).toEqual([[0, 1, 2]]);
    await clock.advance(20);
    expect(calls.map((c) => c.inputs)).toEqual([[0, 1, 2], [3]]);
    for (const call of calls) call.finish();
    await Promise.all(answers);
  });
});
