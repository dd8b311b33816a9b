// `clawback notify flush` that lands while the worker is still moving a refused alert into dead/ (a slow disk makes that
// window tens of ms): it was counted as "queued again" and then parked anyway, never retried. The move is held at the
// edge (node:fs rename into dead/ waits on a gate) so the flush lands inside it every time.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const gate = vi.hoisted(() => ({ held: undefined as undefined | { reached: () => void; release: Promise<void> } }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const rename = (async (from: import('node:fs').PathLike, to: import('node:fs').PathLike) => {
    const g = gate.held;
    if (g && String(to).includes(`${'/'}dead${'/'}`)) {
      gate.held = undefined;
      g.reached();
      await g.release;
    }
    return fs.promises.rename(from, to);
  }) as typeof fs.promises.rename;
  const promises = { ...fs.promises, rename };
  return { ...fs, default: { ...fs, promises }, promises };
});

const { createNotifier } = await import('../../src/notify/dispatcher.js');
const { systemClock } = await import('../../src/platform/clock.js');
const { Redactor } = await import('../../src/observe/redact.js');
const { Receiver } = await import('./receiver.js');
const { config, event, removeDir, tempStateDir } = await import('./helpers.js');

let receiver: import('./receiver.js').Receiver;
let stateDir: string;
const stops: (() => Promise<void>)[] = [];

beforeEach(async () => {
  receiver = await Receiver.start();
  stateDir = await tempStateDir();
});
afterEach(async () => {
  gate.held = undefined;
  await Promise.all(stops.splice(0).map((s) => s()));
  await receiver.close();
  await removeDir(stateDir);
});

describe('a flush while an alert is being parked', () => {
  it('retries that alert (it was counted as queued again, then parked unseen until the next flush)', async () => {
    const n = createNotifier(config([{ type: 'webhook', url: `${receiver.base}/webhook/a` }]), { stateDir, clock: systemClock(), redactor: new Redactor() });
    stops.push(() => n.stop());
    let release!: () => void;
    const reached = new Promise<void>((resolve) => {
      gate.held = { reached: resolve, release: new Promise<void>((r) => (release = r)) };
    });
    // Refused once for good (404: parked), accepted from then on.
    receiver.script(1, 404, { body: 'no such hook' });
    n.publish(event({ severity: 'critical', message: 'the page' }));
    await reached; // the worker is moving it into dead/
    expect(n.retryDeadLetters('webhook')).toBe(1);
    release();
    await receiver.waitFor(() => receiver.accepted.length === 1, 20_000, 'the flushed alert delivered');
    expect((receiver.accepted[0]!.json as { message: string }).message).toBe('the page');
    await n.flush(20_000);
    expect(n.deadLetters()).toEqual({ webhook: 0 });
  });
});
