// The API port held by a program whose command line spans lines (a `python3 -c` / `node -e` script): the refusal stays
// one line, with the holder's line breaks and control characters escaped and its length bounded.
import { afterEach, describe, expect, it } from 'vitest';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { NODE, markServices, tempDir } from '../helpers/daemon.js';
import { CLI } from '../helpers/cli.js';
import { spawnMarked, waitFor } from '../helpers/processes.js';

const cleanup: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await Promise.resolve(cleanup.pop()!()).catch(() => undefined);
});

describe('the API port is taken by a multi-line command', () => {
  it('names the holder on one line, escaped and cut', async () => {
    const dir = tempDir('clawback-apiport-line-');
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const script = [
      "const net = require('node:net');",
      '// \x1b]0;title\x07 a comment with an escape sequence in it',
      `// ${'padding '.repeat(60)}`,
      "const s = net.createServer().listen(0, '127.0.0.1', () => console.log('PORT ' + s.address().port));",
    ].join('\n');
    const holder = spawnMarked(NODE, ['-e', script]);
    cleanup.push(() => holder.kill());
    const port = await waitFor(() => Number(/PORT (\d+)/.exec(holder.stdout())?.[1]) || undefined, { timeoutMs: 15_000, intervalMs: 50, message: 'the holder listens' });
    const config = path.join(dir, 'clawback.yaml');
    writeFileSync(config, YAML.stringify(markServices({ api: { port }, services: [{ name: 'svc', command: [NODE, '-e', 'setInterval(() => {}, 1000)'] }] })));
    const d = spawnMarked(NODE, [CLI, 'run', '--config', config, '--state-dir', path.join(dir, 'state')]);
    cleanup.push(() => d.kill());
    expect(await d.waitForExit(30_000), d.stderr()).toEqual({ code: 1, signal: null });
    const line = d.stderr().split('\n').find((l) => l.includes('cannot serve the API/dashboard'));
    expect(line, d.stderr()).toBeDefined();
    expect(line).toContain(`already in use by pid ${holder.pid} (`);
    expect(line).toContain("require('node:net');\\x0a// \\x1b]0;title\\x07 a comment");
    expect(line).toContain('no service was started or adopted. Free the port');
    expect(line).not.toMatch(/[\x00-\x1f]/);
    const shown = /by pid \d+ \((.*)\) \(EADDRINUSE\)/.exec(line!)?.[1] ?? '';
    expect(shown.length).toBeLessThanOrEqual(160);
    expect(shown.endsWith('…')).toBe(true);
  });
});
