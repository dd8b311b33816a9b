// A metric command that prints an error and exits 0 ("curl: (7) Failed to connect ..."): the first number of its output
// was read as the load (7 against a target of 2 scaled web from 1 to 4 in 3 s). The number must now be the last line,
// alone or after a label; anything else holds the count with the cause said.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { freePortRun, pidsOf, waitHealthy, webService } from './instance-helpers.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

describe('autoscale metric command output', () => {
  it('an error line with numbers printed with exit 0 holds the count (said); "queue: 30" on the last line is read', async () => {
    const base = await freePortRun(3);
    const dir = tempDir();
    const out = path.join(dir, 'metric.txt');
    const runs = path.join(dir, 'runs.txt');
    writeFileSync(runs, '');
    // Prints the file and exits 0, and counts its runs (one character each).
    const script = 'const fs = require("fs"); fs.appendFileSync(process.argv[2], "x"); process.stdout.write(fs.readFileSync(process.argv[1], "utf8"));';
    const say = (text: string): void => {
      writeFileSync(`${out}.tmp`, text);
      renameSync(`${out}.tmp`, out);
    };
    say('curl: (7) Failed to connect to 127.0.0.1 port 9 after 0 ms: Connection refused\n');
    const svc = webService(base, 1, {
      autoscale: { min: 1, max: 3, metric: 'command', command: [process.execPath, '-e', script, out, runs], target: 2, window: '1s', interval: '200ms', cooldown: '1s' },
    });
    td = await startTestDaemon({ services: [svc] }, { dir });
    const d = td.daemon;
    await waitHealthy(d, ['web:0']);
    const before = pidsOf(d);
    const held = (): Array<{ problem: string }> => td!.events.filter((e) => e.type === 'service.autoscale-held').map((e) => e.details as { problem: string });

    await waitFor(() => held().length === 1, { timeoutMs: 20_000, message: 'the error line held' });
    expect(held()[0]!.problem).toContain("the metric command's last line is not one number");
    expect(td.events.find((e) => e.type === 'service.autoscale-held')!.message).toContain('curl: (7) Failed to connect');
    // Many samples later (well past the window and the cool-down): still one instance, same pid, said once.
    const counted = readFileSync(runs, 'utf8').length;
    await waitFor(() => readFileSync(runs, 'utf8').length >= counted + 12, { timeoutMs: 30_000, message: 'twelve more samples' });
    expect(td.events.filter((e) => e.type === 'service.scaled')).toEqual([]);
    expect(pidsOf(d)).toEqual(before);
    expect(held()).toHaveLength(1);

    // A label before the number on the last line (after other lines) is read: 30 per 1 instance against 2 scales up.
    say('checking the queue...\nqueue: 30\n');
    await waitFor(() => td!.events.some((e) => e.type === 'service.scaled'), { timeoutMs: 30_000, message: 'the scale up on "queue: 30"' });
    expect(td.events.find((e) => e.type === 'service.scaled')!.details).toMatchObject({ from: 1, to: 3, by: 'autoscale' });
  }, 90_000);
});
