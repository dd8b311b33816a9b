// A Level 3 agent that fills the disk the daemon's state dir shares (real daemon, real tmpfs): the run is judged, its
// files are put back from the end facts it kept in memory, the filler it created
// is removed, and what could not be recorded is said.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { NODE, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { freePort } from '../helpers/ports.js';
import { DEMO_GATEWAY_SERVER } from '../helpers/demo.js';
import { mountSmallDisk, type SmallDisk } from '../helpers/tmpfs.js';

const BROKEN = JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 'oops' }, null, 2) + '\n';
// The agent's "fix" starts but never listens within the probes' grace: the verification fails.
const SLOW = JSON.stringify({ name: 'demo-gateway', host: '127.0.0.1', port: 0, startupDelayMs: 60_000 }, null, 2) + '\n';

let disk: SmallDisk;
let daemons: TestDaemon[] = [];
beforeAll(() => {
  disk = mountSmallDisk('8m');
});
afterEach(async () => {
  for (const d of daemons) await d.stop();
  daemons = [];
});
afterAll(() => {
  disk?.free();
  disk?.unmount();
});

describe('a Level 3 agent that fills the disk its state dir is on', () => {
  it('is judged and reverted from memory: config and notes back, filler removed, the unwritten record reported', { timeout: 120_000 }, async () => {
    const dir = path.join(disk.dir, 'svc');
    mkdirSync(dir);
    const cfg = path.join(dir, 'gateway.json');
    const notes = path.join(dir, 'notes.txt');
    const filler = path.join(dir, 'cache.bin');
    writeFileSync(cfg, BROKEN);
    writeFileSync(notes, 'before the run\n');
    const agent = path.join(dir, 'agent.mjs');
    writeFileSync(
      agent,
      [
        "import { writeFileSync } from 'node:fs';",
        "import { execFileSync } from 'node:child_process';",
        `writeFileSync(${JSON.stringify(cfg)}, ${JSON.stringify(SLOW)});`,
        `writeFileSync(${JSON.stringify(notes)}, 'the agent wrote this\\n');`,
        `try { execFileSync('dd', ['if=/dev/zero', 'of=${filler}', 'bs=64k'], { stdio: 'ignore' }); } catch {}`,
        "console.log('fixed the port; the disk is full now');",
        '',
      ].join('\n'),
    );
    const port = await freePort();
    const t = await startTestDaemon(
      {
        services: [
          {
            name: 'gw',
            command: [NODE, DEMO_GATEWAY_SERVER, '--config', cfg, '--port', String(port)],
            cwd: dir,
            configFile: { path: cfg, format: 'json' },
            probes: [{ kind: 'http', url: `http://127.0.0.1:${port}/health`, interval: '300ms', timeout: '500ms', startupGrace: '6s' }],
            doctor: { attempts: 0, confirmAfter: '1s' },
            emergency: { adapter: 'command', command: [NODE, agent], timeBox: '60s', verifyWindow: '2s' },
          },
        ],
      },
      { dir: disk.dir },
    );
    daemons.push(t);
    const of = (type: string) => t.events.filter((e) => e.type === type);

    // The agent (its launcher too) ends on a full disk: its verdict still comes, with its files put back.
    const fin = await waitFor(() => of('agent.finished')[0], { timeoutMs: 60_000 });
    expect(readFileSync(cfg, 'utf8')).toBe(BROKEN);
    expect(readFileSync(notes, 'utf8')).toBe('before the run\n');
    expect(existsSync(filler), 'the filler the agent created is removed').toBe(false);
    expect((fin.details as { revertedFiles: string[] }).revertedFiles).toEqual(expect.arrayContaining([cfg, notes, filler]));
    const unwritten = t.events.find((e) => e.details?.action === 'agent-record-unwritten');
    expect(unwritten?.message).toMatch(/agent-run\.json: ENOSPC/);
    expect(unwritten?.severity).toBe('critical');
    // Level 4 follows the revert, as before.
    await waitFor(() => of('incident.escalated')[0], { timeoutMs: 30_000 });
  });
});
