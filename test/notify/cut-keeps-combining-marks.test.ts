// A cut for a size limit never parts a letter from its combining mark: a decomposed "ώ" (ω + U+0301) cut after the ω
// arrived as a bare "ω", another letter. Tried at both parities of the cut, on every chat channel, against the receiver.
import { describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { cutText } from '../../src/platform/cut-text.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { allChannels, config, event, receiverPerTest } from './helpers.js';

const BARE = /ω(?!\u0301)/;

describe('cuts keep combining marks with their letter', () => {
  const h = receiverPerTest();

  it('an alert of decomposed accented letters past every limit arrives with no bare letter', async () => {
    const channels = allChannels(h.receiver).filter((c) => c.type !== 'webhook');
    const n = createNotifier(config(channels), { stateDir: h.stateDir, clock: systemClock(), redactor: new Redactor() });
    h.notifiers.push(n);
    n.publish(event({ message: 'ω\u0301'.repeat(5000) }));
    n.publish(event({ service: 'other', message: `x${'ω\u0301'.repeat(5000)}` }));
    await h.receiver.waitFor(() => h.receiver.accepted.length >= 2 * channels.length, 15_000, 'every alert');
    expect(h.receiver.rejected).toEqual([]);
    for (const m of h.receiver.accepted) {
      expect(m.text).toMatch(/truncated/);
      // Before: telegram, discord and slack texts ended in a bare ω before the marker at one of the two parities.
      expect(BARE.test(m.text), `${m.channel}: ${m.text.slice(-40)}`).toBe(false);
    }
  });

  it('cutText drops a character whole with its marks, skin tone or joined emoji', () => {
    expect(cutText('ab\u0301c', 2)).toBe('a');
    expect(cutText('a👍🏽', 3)).toBe('a');
    expect(cutText('a👨‍👩', 4)).toBe('a');
    expect(cutText('abc', 2)).toBe('ab');
  });
});
