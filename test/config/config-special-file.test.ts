// A deploy tool's bug put a FIFO where clawback.yaml was (`mkfifo`): the loader opened it blocking, so open() waited
// for a writer forever. `validate` hung, and the daemon's reload (its loader runs in a child) was refused only after
// 60 s as "a hung filesystem?". Now the FIFO is named at once; a pipe someone feeds (-c /dev/stdin) is still read.
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, runCli } from '../helpers/cli.js';
import { FIXTURES, NODE, startTestDaemon, tempDir, type TestDaemon } from '../helpers/daemon.js';
import { makeSpecial, releaseFifoReaders, within } from '../helpers/special-files.js';

const CONFIG = `services:\n  - name: a\n    command: [${JSON.stringify(NODE)}, ${JSON.stringify(path.join(FIXTURES, 'sleeper.mjs'))}]\n`;

let td: TestDaemon | undefined;
const fifos: string[] = [];
afterEach(async () => {
  for (const f of fifos.splice(0)) releaseFifoReaders(f);
  await td?.stop();
  td = undefined;
});

describe('a FIFO in place of clawback.yaml', () => {
  it('validate -c FIFO: invalid config (exit 2) naming the FIFO, not a wait for a writer', async () => {
    const fifo = path.join(tempDir(), 'clawback.yaml');
    await makeSpecial('fifo', fifo);
    fifos.push(fifo);
    const r = await runCli(['validate', '-c', fifo], { timeoutMs: 20_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(fifo);
    expect(r.stderr).toContain('(file): is a FIFO with nothing written to it (no writer): expected a config file');
  });

  it('validate -c /dev/stdin fed by a pipe that writes late is still read', async () => {
    const file = path.join(tempDir(), 'clawback.yaml');
    writeFileSync(file, CONFIG);
    // A real pipe (node's stdio 'pipe' is a socket pair): the writer starts after the reader has opened it.
    const child = spawn('sh', ['-c', '(sleep 0.5; cat "$1") | "$2" "$3" validate -c /dev/stdin', 'sh', file, NODE, CLI], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CLAWBACK_TEST_CHILD: '1' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const code = await within(20_000, 'validate -c /dev/stdin', exited).finally(() => child.kill('SIGKILL'));
    expect(code, out).toBe(0);
    expect(out).toContain('valid (1 service(s): a)');
  });

  it('a reload with a FIFO in place of the config is refused at once, naming it; the service keeps running', async () => {
    td = await startTestDaemon({ services: [{ name: 'a', command: [NODE, path.join(FIXTURES, 'sleeper.mjs')] }] });
    const pid = td.daemon.runtimes.get('a')!.status().pid;
    const kept = readFileSync(td.configFile);
    rmSync(td.configFile);
    await makeSpecial('fifo', td.configFile);
    fifos.push(td.configFile);
    try {
      // The loader's own bound is 60 s; a FIFO must not take it.
      const r = await within(30_000, 'the reload', td.daemon.command('/api/reload', new URLSearchParams({ by: 'test' })));
      expect(r?.status).toBe(400);
      expect(JSON.stringify(r?.body)).toContain('is a FIFO with nothing written to it');
      expect(td.daemon.runtimes.get('a')!.status().pid).toBe(pid);
    } finally {
      releaseFifoReaders(td.configFile);
      rmSync(td.configFile);
      writeFileSync(td.configFile, kept);
    }
  });
});
