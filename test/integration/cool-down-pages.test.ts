// Level 4 with a cool-down: the ladder is tried again and again, but the person is paged once per incident, not per retry.
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startTestDaemon, tempDir, FIXTURES, NODE, type TestDaemon } from '../helpers/daemon.js';
import { summarizeIncidents } from '../../src/observe/incidents.js';
import { computeDigest } from '../../src/observe/digest.js';
import { waitFor } from '../helpers/processes.js';
import { Receiver } from '../notify/receiver.js';
import { DISCORD_TOKEN } from '../notify/helpers.js';

let td: TestDaemon | undefined;
let receiver: Receiver | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
  await receiver?.close();
  receiver = undefined;
});

describe('Level 4 and its cool-down', () => {
  it('each failed cool-down retry is journaled as a repeat; chat channels get one page per incident (an edit where they can)', async () => {
    receiver = await Receiver.start();
    td = await startTestDaemon({
      notify: {
        channels: [
          { type: 'discord', url: `${receiver.base}/discord/1/${DISCORD_TOKEN}` },
          { type: 'slack', url: `${receiver.base}/slack/services/T/B/x` },
        ],
        backoff: { initial: 50, max: 200 },
      },
      services: [
        {
          name: 'broken',
          // exit 78 (EX_CONFIG) at once, every time: the doctor finds nothing, Level 4, the cool-down tries again.
          command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '78', '50'],
          restart: { coolDown: '500ms' },
        },
      ],
    });
    const t = td;
    const escalations = () => t.events.filter((e) => e.type === 'incident.escalated');
    await waitFor(() => escalations().length >= 4, { timeoutMs: 40_000 });
    const all = escalations();
    expect(new Set(all.map((e) => e.incidentId)).size).toBe(1);
    expect(all[0]!.message).toContain('broken needs a human');
    expect(all[0]!.details?.coolDownRetry).toBeUndefined();
    expect(all.slice(1).map((e) => e.details?.coolDownRetry)).toEqual(all.slice(1).map((_, i) => i + 1));
    expect(all[1]!.message).toContain('broken still needs a human: the cool-down retry 1 failed too');
    await receiver.waitFor(() => receiver!.of('slack').some((m) => m.text.includes('needs a human')), 10_000, 'escalation alert');
    // Let the later repeats reach the channels, then count the pages.
    await new Promise((r) => setTimeout(r, 1500));
    const slackPages = receiver.of('slack').filter((m) => m.text.includes('needs a human'));
    expect(slackPages).toHaveLength(1);
    const discord = receiver.of('discord');
    expect(discord.filter((m) => m.op === 'new' && m.text.includes('needs a human'))).toHaveLength(1);
    // Discord's live message is edited with the repeats instead.
    expect(discord.some((m) => m.op === 'edit' && m.text.includes('cool-down retry'))).toBe(true);
    expect(receiver.rejected).toHaveLength(0);
  });

  it('a flapping series at Level 4: each cool-down retry goes straight back to Level 4, no fresh series and no doctor run per retry', { timeout: 90_000 }, async () => {
    td = await startTestDaemon({
      services: [
        {
          name: 'flap',
          // up ~2 s (judged healthy, the incident resolves), then exit 1, every time: a slow flapper nothing fixes.
          command: [NODE, path.join(FIXTURES, 'exit-with.mjs'), '1', '2000'],
          restart: { backoff: { initial: '100ms', max: '200ms' }, coolDown: '1s', flapping: { window: '10m', maxRecurrences: 1 } },
          doctor: { attempts: 1, confirmAfter: '300ms' },
        },
      ],
    });
    const t = td;
    const of = (type: string) => t.events.filter((e) => e.type === type);
    await waitFor(() => of('incident.escalated').length >= 4, { timeoutMs: 75_000 });
    // one doctor run, at the series' first trip (before: the cool-down cleared the series, so each retry began a new
    // one, climbing through its recurrences and the doctor again, for ever)
    expect(of('incident.action').filter((e) => e.details?.action === 'doctor')).toHaveLength(1);
    expect(of('incident.escalated').slice(1).every((e) => e.message.includes('came back after the repair'))).toBe(true);
  });

  it('a cool-down retry that holds, with nobody acting, ends the incident as cool-down-recovered (journal, incidents, digest)', { timeout: 90_000 }, async () => {
    const dir = tempDir();
    const fixed = path.join(dir, 'fixed');
    // Crashes 100 ms after each start until the file exists, then stays up: the "fix" lands while the breaker holds it.
    const crashUntilFixed = "if (!require('node:fs').existsSync(process.argv[1])) setTimeout(() => process.exit(1), 100); else setInterval(() => {}, 1000);";
    td = await startTestDaemon(
      {
        services: [
          {
            name: 'cr',
            command: [NODE, '-e', crashUntilFixed, fixed],
            restart: { backoff: { initial: '100ms', max: '200ms' }, intensity: { maxRestarts: 3, window: '60s' }, coolDown: '3s' },
            doctor: { attempts: 0, confirmAfter: '1s' },
          },
        ],
      },
      { dir },
    );
    const t = td;
    const of = (type: string) => t.events.filter((e) => e.type === type);
    const escalated = await waitFor(() => of('incident.escalated')[0], { timeoutMs: 30_000 });
    writeFileSync(fixed, 'x');
    const resolved = await waitFor(() => of('incident.resolved')[0], { timeoutMs: 60_000 });
    expect(resolved.incidentId).toBe(escalated.incidentId);
    expect(of('incident.action').some((e) => e.details?.action === 'cool-down-resume')).toBe(true);
    expect(of('incident.action').some((e) => e.details?.action === 'human-resume')).toBe(false);
    // Before: 'human-resolved', though no person did anything.
    expect(resolved.details).toMatchObject({ outcome: 'cool-down-recovered', highestLevel: 4 });
    const journal = t.journal();
    expect(summarizeIncidents(journal).find((i) => i.id === escalated.incidentId)).toMatchObject({ outcome: 'cool-down-recovered', escalated: true });
    const digest = computeDigest(journal, { days: 1, now: Date.now() + 1 });
    expect(digest).toMatchObject({ incidents: 1, autoResolved: 0, humanResolved: 0, coolDownRecovered: 1, escalations: 1 });
  });
});
