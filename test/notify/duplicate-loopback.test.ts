// `http://localhost:X/hook` and `http://127.0.0.1:X/hook` (or `[::1]`) reach one local receiver, but validate said the
// config was fine and every alert reached that receiver twice. The loopback names now compare as one host.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/daemon.js';

function write(a: string, b: string): string {
  const file = path.join(tempDir(), 'clawback.yaml');
  writeFileSync(
    file,
    [
      'services:',
      '  - { name: app, command: [sleep, "1"] }',
      'notify:',
      '  channels:',
      `    - { type: webhook, name: a, url: "${a}" }`,
      `    - { type: webhook, name: b, url: "${b}" }`,
      '',
    ].join('\n'),
  );
  return file;
}

describe('two channels on one loopback receiver under different host names', () => {
  it('validate warns for localhost, 127.0.0.1, 127.x and [::1] spellings of one URL', async () => {
    const same: Array<[string, string]> = [
      ['http://localhost:8080/hook/s3cr3t', 'http://127.0.0.1:8080/hook/s3cr3t'],
      ['http://[::1]:8080/hook/s3cr3t', 'http://127.0.0.1:8080/hook/s3cr3t/'],
      ['http://LOCALHOST/hook/s3cr3t', 'http://[::1]:80/hook/s3cr3t'],
      ['http://127.0.0.2:8080/hook/s3cr3t', 'http://localhost:8080/hook/s3cr3t'],
    ];
    for (const [a, b] of same) {
      const w = loadConfig({ file: write(a, b), env: {} }).warnings;
      expect(w, `${a} vs ${b}`).toEqual([expect.stringMatching(/^notify\.channels\[1\] \(b\)\.url: sends to the same URL as notify\.channels\[0\] \(a\)/)]);
      expect(w.join('\n')).not.toContain('s3cr3t');
    }
    const r = await runCli(['validate', '-c', write('http://localhost:8080/hook/s3cr3t', 'http://127.0.0.1:8080/hook/s3cr3t')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('warning: notify.channels[1] (b).url: sends to the same URL as notify.channels[0] (a)');
  }, 30_000);

  it('another port, another path or a non-loopback host is another destination', () => {
    const other: Array<[string, string]> = [
      ['http://localhost:8080/hook', 'http://127.0.0.1:8081/hook'],
      ['http://localhost:8080/hook', 'http://127.0.0.1:8080/hook2'],
      ['https://10.0.0.1:8080/hook', 'http://127.0.0.1:8080/hook'],
      ['https://notlocalhost:8080/hook', 'http://localhost:8080/hook'],
    ];
    for (const [a, b] of other) expect(loadConfig({ file: write(a, b), env: {} }).warnings, `${a} vs ${b}`).toEqual([]);
  });
});
