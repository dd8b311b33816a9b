// A daemon with one sleeper `worker`, webhook channels on the loopback receiver and a 10 min dedup window, and a reload
// that adds the channel "added": the set-up of the tests of the dedup memory across a reload of `notify:`.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, type TestDaemon } from '../helpers/daemon.js';
import type { Receiver } from './receiver.js';

/** A webhook channel `name` posting to /webhook/<pathName> on the receiver, one message per event. */
export const hook = (r: Receiver, name: string, pathName = name) => ({ type: 'webhook', name, url: `${r.base}/webhook/${pathName}`, mode: 'every-event' });

export const dedupConfig = (channels: object[]) => ({
  services: [{ name: 'worker', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }],
  notify: { channels, dedupWindow: '10m', backoff: { initial: '200ms', max: '1s' } },
});

/** The messages the receiver accepted on /webhook/<pathName>, in order. */
export const messagesTo = (r: Receiver, pathName: string): string[] =>
  r.accepted.filter((m) => m.path === `/webhook/${pathName}`).map((m) => String((m.json as { message?: string }).message));

/** Rewrites the config with channels `ops` and `added` and reloads it; the reload must say the channel was added. */
export async function reloadAddingChannel(td: TestDaemon, r: Receiver): Promise<void> {
  writeFileSync(td.configFile, YAML.stringify(markServices(dedupConfig([hook(r, 'ops'), hook(r, 'added')]))));
  const res = await td.daemon.command('/api/reload', new URLSearchParams({ by: 'test' }));
  expect(res?.status).toBe(200);
  expect(String(res?.body.message)).toContain('added: added');
}
