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
});
