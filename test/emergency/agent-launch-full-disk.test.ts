// An emergency run whose incident dir is on a full disk: the agent cannot be launched, and each refused attempt left
// an empty agent-launch.sh and agent-output.raw behind in the incident dir (real tmpfs, real command adapter).
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandAdapter } from '../../src/emergency/command-adapter.js';
import { emergencySchema } from '../../src/emergency/emergency-schema.js';
import type { AgentSession } from '../../src/emergency/agent-adapter.js';
import { Redactor } from '../../src/observe/redact.js';
import { systemClock } from '../../src/platform/clock.js';
import { mountSmallDisk, type SmallDisk } from '../helpers/tmpfs.js';

let disk: SmallDisk;
beforeAll(() => {
  disk = mountSmallDisk('1m');
});
afterAll(() => {
  disk?.free();
  disk?.unmount();
});

function session(incidentDir: string): AgentSession {
  return {
    incidentId: 'inc-full',
    serviceName: 'gw',
    prompt: 'p',
    promptFile: path.join(incidentDir, 'prompt.md'),
    workdir: incidentDir,
    incidentDir,
    allowedPaths: [],
    mode: 'propose',
    config: emergencySchema.parse({ adapter: 'command', command: ['sh', '-c', 'exit 0'] }),
    redactor: new Redactor([]),
    clock: systemClock(),
    signal: new AbortController().signal,
    onStarted: () => undefined,
    onRefused: () => undefined,
  } as unknown as AgentSession;
}

describe('a CLI agent launched on a full disk', () => {
  for (const tmux of [false, true]) {
    it(`leaves no empty launcher or output file in the incident dir (${tmux ? 'tmux' : 'bare PTY'})`, async () => {
      const dir = path.join(disk.dir, 'state', 'incidents', `inc-${tmux ? 'tmux' : 'pty'}`);
      mkdirSync(dir, { recursive: true });
      const before = readdirSync(dir);
      disk.fill();
      try {
        const adapter = commandAdapter({ tmux: tmux ? {} : false, env: { PATH: process.env.PATH ?? '' } });
        for (let i = 0; i < 3; i++) await expect(adapter.run(session(dir))).rejects.toMatchObject({ code: 'ENOSPC' });
        expect(readdirSync(dir)).toEqual(before);
      } finally {
        disk.free();
      }
    }, 30_000);
  }
});
