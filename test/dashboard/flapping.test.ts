// A flapping series (restart.flapping) on the dashboard: the card's open incident and the incident history say which
// recurrence each incident is and which incident began the series, not one unrelated "process ended" after another.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser } from 'playwright-core';
import { summarizeIncidents } from '../../src/observe/incidents.js';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { FIXTURES, NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { CHROMIUM, launchChromium } from '../helpers/chromium.js';


describe('summarizeIncidents: flapping', () => {
  it('carries the recurrence and the first incident of the series from incident.opened', () => {
    const ev = (time: number, type: string, incidentId: string, details: Record<string, unknown>): ClawbackEvent =>
      ({ time, type, severity: 'warning', service: 'web', incidentId, message: `${type} ${incidentId}`, details }) as ClawbackEvent;
    const list = summarizeIncidents([
      ev(1000, 'incident.opened', 'inc-a', { reason: 'process ended (exit code 1)', firstSignalAt: 1000 }),
      ev(2000, 'incident.resolved', 'inc-a', { ttrMs: 1000 }),
      ev(3000, 'incident.opened', 'inc-b', { reason: 'process ended (exit code 1)', firstSignalAt: 3000, recurrence: 1, flappingSince: 1000, firstIncidentId: 'inc-a' }),
    ]);
    expect(list[0]!.recurrence).toBeUndefined();
    expect(list[1]).toMatchObject({ id: 'inc-b', recurrence: 1, firstIncidentId: 'inc-a' });
  });
});

describe.skipIf(!existsSync(CHROMIUM))('dashboard: a flapping series', () => {
  let browser: Browser;
  let td: TestDaemon;

  beforeAll(async () => {
    browser = await launchChromium();
    td = await startTestDaemon({
      services: [
        {
          // Up for a moment after each start, healthy past confirmAfter, then down again: the second recurrence trips the breaker.
          name: 'flappy',
          command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '1', '2500'],
          restart: { backoff: { initial: '100ms', max: '200ms' }, flapping: { window: '10m', maxRecurrences: 1 } },
          doctor: { confirmAfter: '300ms' },
        },
      ],
    });
    await waitFor(() => td.daemon.runtimes.get('flappy')!.status().incident?.recurrence === 2 || null, { timeoutMs: 40_000, message: 'the second recurrence' });
  });

  afterAll(async () => {
    await browser?.close();
    await td?.stop();
  });

  it('the card and the history name the recurrence and the series\' first incident', async () => {
    const opened = td.journal().filter((e) => e.type === 'incident.opened' && e.service === 'flappy');
    const first = opened[0]!.incidentId!;
    const second = opened.find((e) => e.details?.['recurrence'] === 1)!.incidentId!;
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${td.daemon.api!.port}/`);
    const card = page.locator('article[data-service="flappy"] [data-field="incident"]:not([hidden])');
    await card.waitFor({ timeout: 20_000 });
    expect(await card.textContent()).toContain('flapping: recurrence 2');
    const row = page.locator(`#incidents details.inc[data-id="${second}"] summary`);
    await row.waitFor({ timeout: 20_000 });
    expect(await row.textContent()).toContain(`flapping: recurrence 1 (series from ${first})`);
    expect(await page.locator(`#incidents details.inc[data-id="${first}"] summary`).textContent()).not.toContain('flapping');
    await page.close();
  }, 60_000);
});
