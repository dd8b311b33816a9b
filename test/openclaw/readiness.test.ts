// Readiness verdicts per failing part (pure), and the probe against a stand-in gateway answering /readyz in the real gateway's shape.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { emptyReadiness, findingFor, kindOf, observe, overdue, parseReadyz } from '../../src/openclaw/readiness-verdicts.js';
import { createReadinessProbe } from '../../src/probes/readiness-probe.js';
import { defaultProbeFor } from '../../src/probes/probe-schema.js';
import { scopeOfFinding } from '../../src/probes/readiness-scope.js';
import { ReadinessReporter } from '../../src/openclaw/readiness-reporter.js';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { formatDuration } from '../../src/config/duration.js';
import { freePort } from '../helpers/ports.js';
import { httpGet, killTree, spawnMarked, waitFor, type MarkedChild } from '../helpers/processes.js';

const FAKE_GATEWAY = fileURLToPath(new URL('./fixtures/fake-gateway.mjs', import.meta.url));
const B = { channelMs: 600_000, pluginReloadSlackMs: 30_000, otherMs: 120_000 };
/** Both clocks at t (the pure tests need no step; readiness-clock-step.test.ts steps the wall clock). */
const at = (t: number) => ({ wall: t, mono: t });

describe('readiness verdicts', () => {
  it('reads the gateway body and names each part by kind', () => {
    // As /readyz answers a loopback caller (openclaw 2026.9.6).
    const body = parseReadyz('{"ready":false,"failing":["telegram"],"uptimeMs":812491,"eventLoop":{"degraded":false}}');
    expect(body).toEqual({ ready: false, failing: ['telegram'] });
    expect(parseReadyz('<html>502</html>')).toBeUndefined();
    expect(parseReadyz('{"status":"ok"}')).toBeUndefined();
    expect(['telegram', 'plugin-reload', 'agent-database:main', 'state-database', 'gateway-draining', 'startup-sidecars'].map(kindOf)).toEqual([
      'channel', 'plugin-reload', 'agent-database', 'state-database', 'draining', 'starting',
    ]);
  });

  it('gives a channel its bound from the first failure, keeps the clock across answers, forgets it once ready and on a new instance', () => {
    let s = observe(emptyReadiness(), { ready: false, failing: ['telegram'] }, at(1000), 50, B);
    expect(s.failing.telegram).toMatchObject({ since: 1000, dueAt: 601_000, kind: 'channel', channel: 'telegram' });
    s = observe(s, { ready: false, failing: ['telegram', 'discord'] }, at(400_000), 50, B);
    expect(s.failing.telegram!.since).toBe(1000);
    expect(overdue(s, 600_999)).toEqual([]);
    expect(overdue(s, 601_000).map((v) => v.name)).toEqual(['telegram']);
    expect(findingFor(s.failing.telegram!)).toBe('readiness:channel:telegram');
    expect(scopeOfFinding('readiness:channel:telegram')).toEqual({ kind: 'channel', channel: 'telegram' });
    expect(scopeOfFinding('readiness:plugin-reload')).toBeUndefined();
    s = observe(s, { ready: false, failing: ['discord'] }, at(500_000), 50, B);
    expect(Object.keys(s.failing)).toEqual(['discord']);
    s = observe(s, { ready: false, failing: ['discord'] }, at(500_100), 60, B);
    expect(s.failing.discord!.since).toBe(500_100);
    expect(observe(s, { ready: true, failing: [] }, at(600_000), 60, B).failing).toEqual({});
  });

  it("follows a plugin reload's own deadline, and steps in at once when the gateway says its recovery failed", () => {
    const s = observe(emptyReadiness(), { ready: false, failing: ['plugin-reload'], pluginReload: { pluginIds: ['x'], phase: 'recovering', deadlineAtMs: 90_000, reason: 'rollback' } }, at(1000), 1, B);
    expect(s.failing['plugin-reload']).toMatchObject({ dueAt: 120_000, detail: 'phase recovering; plugins x; rollback' });
    const f = observe(emptyReadiness(), { ready: false, failing: ['plugin-reload'], pluginReload: { phase: 'failed' } }, at(1000), 1, B);
    expect(overdue(f, 1000)).toHaveLength(1);
    const db = observe(emptyReadiness(), { ready: false, failing: ['agent-database:main'], agentDatabases: [{ agentId: 'main', reason: 'schema newer than supported' }] }, at(0), 1, B);
    expect(db.failing['agent-database:main']).toMatchObject({ dueAt: 120_000, detail: 'schema newer than supported' });
  });
});

describe('openclaw-readiness probe on a stand-in gateway', () => {
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

  it('passes while ready, passes with a note while the gateway recovers, fails past the bound naming the channel, and is unknown when nothing answers', async () => {
    const probe = createReadinessProbe(defaultProbeFor('openclaw-readiness', { url: `${url}/readyz`, channelBound: 400 }));
    const target = { pid: gw.pid, startedAt: 1 };
    const signal = new AbortController().signal;
    expect(await probe.check(target, signal)).toMatchObject({ status: 'success', message: 'ready' });
    await httpGet(`${url}/__fail?part=telegram`);
    const first = await probe.check(target, signal);
    expect(first).toMatchObject({ status: 'success', finding: 'readiness-degraded' });
    expect(first.message).toMatch(/channel telegram failing for .*the gateway's own recovery has/);
    await new Promise((r) => setTimeout(r, 450));
    const late = await probe.check(target, signal);
    expect(late).toMatchObject({ status: 'failure', finding: 'readiness:channel:telegram' });
    expect(late.message).toMatch(/channel telegram failing for .*past the gateway's own recovery bound/);
    expect((late.details as { failing: unknown[] }).failing).toEqual([expect.objectContaining({ name: 'telegram', kind: 'channel', channel: 'telegram' })]);
    await httpGet(`${url}/__ready?part=telegram`);
    expect(await probe.check(target, signal)).toMatchObject({ status: 'success', message: 'ready' });
    const nobody = createReadinessProbe(defaultProbeFor('openclaw-readiness', { url: `http://127.0.0.1:${await freePort()}/readyz` }));
    expect((await nobody.check(target, signal)).status).toBe('unknown');
    const notJson = createReadinessProbe(defaultProbeFor('openclaw-readiness', { url: `${url}/nothing` }));
    expect((await notJson.check(target, signal)).status).toBe('unknown');
  });

  it('the reporter turns the verdicts into events that name the part, once per change', () => {
    const events: ClawbackEvent[] = [];
    const r = new ReadinessReporter('gw', (e) => events.push(e), () => 'inc-1');
    const report = (failing: unknown[], at: number) => ({ kind: 'openclaw-readiness', at, result: { status: failing.length ? 'failure' : 'success', details: { failing } } });
    const tg = { name: 'telegram', kind: 'channel', channel: 'telegram', since: 1000, dueAt: 601_000 };
    r.onReport(report([tg], 1000));
    r.onReport(report([tg], 2000));
    r.onReport(report([], 5000));
    expect(events.map((e) => [e.type, e.incidentId])).toEqual([['readiness.failing', 'inc-1'], ['readiness.recovered', 'inc-1']]);
    expect(events[0]!.message).toMatch(/channel telegram fails readiness; the gateway's own recovery has 10m0s before Clawback steps in/);
    expect(events[1]!.message).toMatch(/channel telegram is ready again after 4\.0s/);
    // A gateway that is only starting (or draining) is no failing part: no event.
    const quiet: ClawbackEvent[] = [];
    new ReadinessReporter('gw', (e) => quiet.push(e), () => undefined).onReport(report([{ name: 'startup-sidecars', kind: 'starting', since: 0, dueAt: 120_000 }], 1000));
    expect(quiet).toEqual([]);
    expect([formatDuration(119_600), formatDuration(59_600), formatDuration(3_599_700), formatDuration(600_000)]).toEqual(['2m0s', '60s', '1h0m', '10m0s']);
  });
});
