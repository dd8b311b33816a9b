// A storm of reload requests (a deploy script sending SIGHUP in a loop) while the daemon is busy is one reload after
// the running work, not one per request: the requests made while a reload waits its turn share it.
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { reloadConfig } from '../../src/instances/config-reload.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

const sleeper = (name: string) => ({ name, command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] });

describe('a reload storm', () => {
  it('20 requests while a reload waits its turn: one reload, the file as it was when it started, every request answered with it', async () => {
    td = await startTestDaemon({ services: [sleeper('a')] });
    const d = td.daemon;
    // The daemon is busy (a scale or rolling restart in progress) for a moment.
    let release: (() => void) | undefined;
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    const busy = d.exclusive(() => new Promise<void>((r) => ((release = r), entered())));
    await inside;
    writeFileSync(td.configFile, YAML.stringify(markServices({ services: [sleeper('a'), sleeper('b')] })));
    const answers = Array.from({ length: 20 }, (_, i) => reloadConfig(d, `SIGHUP ${i}`));
    release!();
    await busy;
    const results = await Promise.all(answers);
    for (const r of results) expect(r).toBe(results[0]);
    expect(results[0]!.body).toMatchObject({ ok: true, added: ['b'] });
    expect(td.events.filter((e) => e.type === 'config.reloaded')).toHaveLength(1);
    // A request after that one ran is a reload of its own.
    const again = await reloadConfig(d, 'later');
    expect(again).not.toBe(results[0]);
    expect(again.body.message).toContain('no service changed');
    expect(td.events.filter((e) => e.type === 'config.reloaded')).toHaveLength(2);
  }, 60_000);
});
