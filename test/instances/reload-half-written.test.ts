// A deploy that writes the config in place (truncate, write part, write the rest) and a reload that came in between:
// the daemon read the first part, a valid config with fewer services, and stopped the others; the file on disk was
// whole a moment later, but the daemon ran without them until the next reload. A real daemon, real file, real SIGHUP
// path (the API's reload): it now reads the file once it has been quiet, and again when it changed while it was read.
import { closeSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { pidsOf, waitHealthy } from './instance-helpers.js';
import { loadSettled } from '../../src/config/settled-file.js';
import { ConfigError } from '../../src/config/errors.js';
import { systemClock, type Clock } from '../../src/platform/clock.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

const sleeper = (name: string) => ({ name, command: [NODE, path.join(FIXTURES, 'sleeper.mjs')], probes: [{ kind: 'process', name: 'alive', interval: '200ms' }] });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a reload while the config file is being written in place', () => {
  it('acts on the whole file, not the half it caught: no service of the missing half is stopped', async () => {
    // The daemon's own clock, told when something waits on it: the moment the deploy's second write is made (a
    // reload that waits for the file to be quiet waits there; one that does not reads the half and is done first).
    const base = systemClock();
    let onSleep: (() => void) | undefined;
    const clock: Clock = { ...base, sleep: (ms, signal) => (onSleep?.(), base.sleep(ms, signal)) };
    const config = { services: [sleeper('alpha'), sleeper('beta')] };
    td = await startTestDaemon(config, { clock });
    const d = td.daemon;
    await waitHealthy(d, ['alpha', 'beta']);
    const before = pidsOf(d);
    await sleep(600); // the file as the daemon started with it is old news

    const text = YAML.stringify(markServices(config));
    const cut = text.indexOf('  - name: beta');
    expect(cut).toBeGreaterThan(0);
    // The first part alone is a valid config: alpha only.
    const fd = openSync(td.configFile, 'w');
    writeSync(fd, text.slice(0, cut));
    let rest = false;
    const writeRest = (): void => {
      if (rest) return;
      rest = true;
      onSleep = undefined;
      writeSync(fd, text.slice(cut));
      closeSync(fd);
    };
    onSleep = writeRest;
    const r = await d.command('/api/reload', new URLSearchParams({ by: 'test' }));
    writeRest();

    expect(r?.status).toBe(200);
    expect(r?.body.removed).toEqual([]);
    expect((r?.body.untouched as string[]).sort()).toEqual(['alpha', 'beta']);
    expect(pidsOf(d)).toEqual(before);
    expect(td.events.some((e) => e.type === 'service.exited')).toBe(false);
  }, 60_000);

  it('refuses a file that keeps changing (nothing applied), within its bound', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'clawback.yaml');
    writeFileSync(file, 'services: []\n');
    let n = 0;
    // The writer shares this process's event loop: on a loaded machine (a CI run beside other jobs) a 200 ms settle window
    // once passed with no write in it. 600 ms against a write every 20 ms leaves no such gap short of a stalled process.
    const writer = setInterval(() => writeFileSync(file, `services: [] # ${n++}\n`), 20);
    let loads = 0;
    const t0 = performance.now();
    try {
      await expect(loadSettled(file, systemClock(), async () => ++loads, { settleMs: 600, limitMs: 2400 })).rejects.toThrow(ConfigError);
    } finally {
      clearInterval(writer);
    }
    expect(performance.now() - t0).toBeLessThan(6000);
    expect(loads).toBe(0);
    // Quiet again: read once.
    await sleep(250);
    await expect(loadSettled(file, systemClock(), async () => ++loads, { settleMs: 200, limitMs: 1200 })).resolves.toBe(1);
    rmSync(dir, { recursive: true, force: true });
  }, 20_000);
});
