// Level 4 with a cool-down: the ladder is tried again and again, but the person is paged once per incident, not per retry.
import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { startTestDaemon, FIXTURES, NODE, type TestDaemon } from '../helpers/daemon.js';
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
});
