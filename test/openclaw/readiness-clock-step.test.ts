// A step of the wall clock must neither end nor stretch the gateway's own recovery time: the readiness bounds are durations.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { emptyReadiness, observe, overdue } from '../../src/openclaw/readiness-verdicts.js';
import { createReadinessProbe } from '../../src/probes/readiness-probe.js';
import { defaultProbeFor } from '../../src/probes/probe-schema.js';
import { HOUR, steppableClock } from '../helpers/clock.js';
import { freePort } from '../helpers/ports.js';
import { httpGet, killTree, spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';

const FAKE_GATEWAY = fileURLToPath(new URL('./fixtures/fake-gateway.mjs', import.meta.url));

describe('readiness verdicts on two clocks', () => {
  it('counts a bound on the monotonic clock across a step, and reads a plugin reload deadline (gateway wall time) as what is left of it', () => {
    const B = { channelMs: 600_000, pluginReloadSlackMs: 30_000, otherMs: 120_000 };
    let s = observe(emptyReadiness(), { ready: false, failing: ['telegram'] }, { wall: 5 * HOUR, mono: 1000 }, 1, B);
    expect(s.failing.telegram).toMatchObject({ since: 5 * HOUR, dueAt: 5 * HOUR + 600_000, sinceMono: 1000, dueMono: 601_000 });
    // The wall clock stepped an hour forward 100 s later: nothing is due, the stamp for people moves with the wall clock.
    s = observe(s, { ready: false, failing: ['telegram'] }, { wall: 6 * HOUR + 100_000, mono: 101_000 }, 1, B);
    expect(overdue(s, 101_000)).toEqual([]);
    expect(s.failing.telegram).toMatchObject({ since: 5 * HOUR, dueAt: 6 * HOUR + 600_000, dueMono: 601_000 });
    expect(overdue(s, 601_000).map((v) => v.name)).toEqual(['telegram']);
    const p = observe(emptyReadiness(), { ready: false, failing: ['plugin-reload'], pluginReload: { phase: 'recovering', deadlineAtMs: 5 * HOUR + 60_000 } }, { wall: 5 * HOUR, mono: 1000 }, 1, B);
    expect(p.failing['plugin-reload']).toMatchObject({ dueMono: 91_000, dueAt: 5 * HOUR + 90_000 });
  });
});

describe('openclaw-readiness bounds across a wall-clock step', () => {
  let gw: MarkedChild;
  let url: string;
  beforeAll(async () => {
    const port = await freePort();
    gw = spawnMarked(process.execPath, [FAKE_GATEWAY, String(port)]);
    url = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await httpGet(`${url}/healthz`).catch(() => undefined))?.status === 200, { timeoutMs: 10_000 });
  });
  afterAll(() => {
    gw?.kill();
  });

  it('a step forward of an hour leaves a failing channel its 10 minutes (no restart of a gateway that is recovering by itself)', async () => {
    const clock = steppableClock();
    const probe = createReadinessProbe(defaultProbeFor('openclaw-readiness', { url: `${url}/readyz`, channelBound: 600_000 }), { clock });
    const target = { pid: gw.pid, startedAt: 1 };
    const signal = new AbortController().signal;
    await httpGet(`${url}/__fail?part=telegram`);
    try {
      expect(await probe.check(target, signal)).toMatchObject({ status: 'success', finding: 'readiness-degraded' });
      clock.step(HOUR);
      const after = await probe.check(target, signal);
      expect(after).toMatchObject({ status: 'success', finding: 'readiness-degraded' });
      // Still about 10 minutes left, and the stamps shown to people are on the stepped wall clock.
      expect(after.message).toMatch(/channel telegram failing for \d+(\.\d+)?m?s;.*own recovery has (10m0s|9m5\ds) left/);
      const [v] = (after.details as { failing: Array<{ since: number; dueAt: number }> }).failing;
      expect(v!.dueAt - clock.now()).toBeGreaterThan(590_000);
      expect(v!.dueAt - clock.now()).toBeLessThanOrEqual(600_000);
    } finally {
      await httpGet(`${url}/__ready?part=telegram`);
    }
  });

  it('a step back of an hour does not add an hour to the bound: past it, the probe fails', async () => {
    const clock = steppableClock();
    const probe = createReadinessProbe(defaultProbeFor('openclaw-readiness', { url: `${url}/readyz`, channelBound: 400 }), { clock });
    const target = { pid: gw.pid, startedAt: 2 };
    const signal = new AbortController().signal;
    await httpGet(`${url}/__fail?part=discord`);
    try {
      expect(await probe.check(target, signal)).toMatchObject({ status: 'success', finding: 'readiness-degraded' });
      clock.step(-HOUR);
      await new Promise((r) => setTimeout(r, 450));
      const late = await probe.check(target, signal);
      expect(late).toMatchObject({ status: 'failure', finding: 'readiness:channel:discord' });
      expect(late.message).not.toMatch(/-|\dh/);
    } finally {
      await httpGet(`${url}/__ready?part=discord`);
    }
  });
});
