// A log path that is a symbolic link (planted by another user in a shared log dir) was followed: the service's output
// was appended to the link's target, and rotation copied the target aside and truncated it. Now no write follows it.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync, symlinkSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/processes.js';
import { RotatingFileStream, rotateIfLarger, trimFlood } from '../../src/observe/log-rotation.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanup.length) await Promise.resolve(cleanup.pop()!()).catch(() => undefined);
});

const SECRET = 'a file the log path points at: never written, copied or truncated\n';

function victimAndLink(dir: string, linkName: string, content = SECRET): { victim: string; link: string } {
  const victim = path.join(dir, 'victim.txt');
  writeFileSync(victim, content, { mode: 0o600 });
  const link = path.join(dir, 'shared', linkName);
  mkdirSync(path.dirname(link), { recursive: true });
  symlinkSync(victim, link);
  return { victim, link };
}

describe('a service log path that is a symbolic link', () => {
  it('is not followed: the target is untouched, the service runs, and a warning names the link', async () => {
    const dir = tempDir();
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const { victim } = victimAndLink(dir, 'svc.log');
    const t: TestDaemon = await startTestDaemon(
      { services: [{ name: 'svc', command: [NODE, '-e', "setInterval(() => console.log('service output'), 20)"], logs: { dir: path.join(dir, 'shared'), maxBytes: 1024, keep: 1 } }] },
      { dir },
    );
    cleanup.push(() => t.stop());
    const pid = await waitFor(() => t.daemon.runtimes.get('svc')!.status().pid, { message: 'svc running' });
    const warned = await waitFor(() => t.events.find((e) => e.type === 'daemon.fault' && e.service === 'svc'), { message: 'a warning about the log' });
    expect(warned.message).toContain('is a symbolic link');
    await new Promise((r) => setTimeout(r, 2500)); // past a rotation pass (every 2 s)
    expect(readFileSync(victim, 'utf8')).toBe(SECRET);
    expect(existsSync(path.join(dir, 'shared', 'svc.log.1'))).toBe(false);
    expect(t.daemon.runtimes.get('svc')!.status()).toMatchObject({ state: 'running', pid });
  }, 30_000);

  it('rotation and flood trimming leave the target alone', async () => {
    const dir = tempDir();
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const big = SECRET.repeat(100_000);
    const { victim, link } = victimAndLink(dir, 'svc.log', big);
    expect(await rotateIfLarger(link, 1024, 1)).toBe(false);
    expect(await rotateIfLarger(link, 1024, 0)).toBe(false);
    expect(await trimFlood(link, 1024)).toBe(0);
    expect(readFileSync(victim, 'utf8')).toBe(big);
    expect(existsSync(`${link}.1`)).toBe(false);
  });

  it('a link planted as the rotated generation (file.1) is not written through', async () => {
    const dir = tempDir();
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const { victim, link } = victimAndLink(dir, 'svc.log.1');
    const live = link.slice(0, -2);
    writeFileSync(live, 'x'.repeat(4096));
    await expect(rotateIfLarger(live, 1024, 1)).rejects.toThrow(/is a symbolic link/);
    expect(readFileSync(victim, 'utf8')).toBe(SECRET);
  });

  it("the daemon's own rotating log does not write through a link either", () => {
    const dir = tempDir();
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const { victim, link } = victimAndLink(dir, 'daemon.log');
    const stream = new RotatingFileStream({ file: link, maxBytes: 0, keep: 0 });
    stream.write('a line\n');
    stream.close();
    expect(readFileSync(victim, 'utf8')).toBe(SECRET);
    expect(stream.lastError?.message).toContain('is a symbolic link');
  });
});
