// An incident a person's stop (or a reload that removed the service) closed is not a recovery: the incident history said
// "recovered in 1m09s" for a crash-looping service a person stopped, and the digest's mean time to recover counted it.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser } from 'playwright-core';
import { summarizeIncidents } from '../../src/observe/incidents.js';
import { computeDigest } from '../../src/observe/digest.js';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';

describe('summarizeIncidents: closed without a recovery', () => {
  const ev = (time: number, type: string, incidentId: string, details: Record<string, unknown>): ClawbackEvent =>
    ({ time, type, severity: 'warning', service: 'web', incidentId, message: `${type} ${incidentId}`, details }) as ClawbackEvent;
  const events = [
    ev(1000, 'incident.opened', 'inc-a', { reason: 'process ended (exit code 1)', firstSignalAt: 1000 }),
    ev(2000, 'incident.resolved', 'inc-a', { ttrMs: 1000, outcome: 'auto-resolved' }),
    ev(3000, 'incident.opened', 'inc-b', { reason: 'process ended (exit code 1)', firstSignalAt: 3000 }),
    ev(63_000, 'incident.resolved', 'inc-b', { ttrMs: 60_000, outcome: 'human-resolved', closedBy: 'stop' }),
    ev(70_000, 'incident.opened', 'inc-c', { reason: 'process ended (exit code 1)', firstSignalAt: 70_000 }),
    ev(170_000, 'incident.resolved', 'inc-c', { ttrMs: 100_000, outcome: 'human-resolved', closedBy: 'reload' }),
  ];

  it('gives no time to recover for a stop or a reload, and says which closed it', () => {
    const [a, b, c] = summarizeIncidents(events);
    expect(a).toMatchObject({ id: 'inc-a', ttrMs: 1000 });
    expect(a!.closedBy).toBeUndefined();
    expect(b).toMatchObject({ id: 'inc-b', status: 'resolved', closedBy: 'stop' });
    expect(b!.ttrMs).toBeUndefined();
    expect(c).toMatchObject({ id: 'inc-c', status: 'resolved', closedBy: 'reload' });
    expect(c!.ttrMs).toBeUndefined();
  });

  it('keeps them out of the digest\'s time to recover', () => {
    const d = computeDigest(events, { now: 200_000, days: 1 });
    // Only inc-a recovered, in 1 s.
    expect(d.meanTtrMs).toBe(1000);
    expect(d.p95TtrMs).toBe(1000);
  });
});

describe.skipIf(!existsSync(CHROMIUM))('dashboard: an incident a person closed by stopping the service', () => {
  let browser: Browser;
  let td: TestDaemon;

  beforeAll(async () => {
    browser = await launchChromium();
    td = await startTestDaemon({ services: [{ name: 'crashy', command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '1', '200'], restart: { backoff: { initial: '5s', max: '10s' } } }] });
    await waitFor(() => td.daemon.runtimes.get('crashy')!.status().incident || null, { timeoutMs: 20_000, message: 'an open incident' });
  });

  afterAll(async () => {
    await browser?.close();
    await td?.stop();
  });

  it('is shown as closed by the stop, not "recovered in"', async () => {
    const api = td.daemon.api!;
    const res = await fetch(`http://127.0.0.1:${api.port}/api/services/crashy/stop`, { method: 'POST', headers: { authorization: `Bearer ${td.daemon.token}` } });
    expect(res.status).toBe(200);
    const resolved = await waitFor(() => td.journal().find((e) => e.type === 'incident.resolved' && e.service === 'crashy') ?? null, { timeoutMs: 20_000, message: 'incident.resolved' });
    expect(resolved.details?.['closedBy']).toBe('stop');
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${api.port}/`);
    const item = page.locator(`#incidents details.inc[data-id="${resolved.incidentId}"]`);
    await item.waitFor({ timeout: 20_000 });
    const text = (await item.locator('summary').textContent()) ?? '';
    expect(text).not.toContain('recovered in');
    expect(text).toContain('a person stopped the service before it recovered');
    await page.close();
  }, 60_000);
});
