// `clawback validate` called a channel valid when fetch can never send its request (a "€" or a line break in a header
// value or an ntfy token, a URL on port 6667): the first alert was dead-lettered. Now a warning names the field, and
// what is expected, never a header's value; the config still loads (a file that loaded before must load after an upgrade).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/daemon.js';

const CONFIG = [
  'services:',
  '  - { name: app, command: [sleep, "1"] }',
  'notify:',
  '  channels:',
  '    - { type: webhook, name: irc, url: "http://127.0.0.1:6667/hook" }',
  '    - type: webhook',
  '      name: hdr',
  '      url: "https://example.com:8443/hook"',
  '      headers: { Authorization: "Bearer tök€n-s3cr3t", X-Two: "line1\\nline2", X-Fine: "  plain  " }',
  '    - { type: ntfy, server: "https://ntfy.example.com:10080", topic: alerts, token: "tk_s3cr3t\\nx" }',
  '    - { type: slack, url: "https://hooks.example.com/services/x" }',
  '',
].join('\n');

function write(text: string): string {
  const file = path.join(tempDir(), 'clawback.yaml');
  writeFileSync(file, text);
  return file;
}

describe('a channel fetch can never send', () => {
  it('is a warning per field, naming it and the expectation, never the value', () => {
    const w = loadConfig({ file: write(CONFIG), env: {} }).warnings;
    expect(w).toHaveLength(5);
    expect(w[0]).toContain('notify.channels[0].url: port 6667 (127.0.0.1:6667) is on the Fetch standard\'s list of blocked ports');
    expect(w[0]).toContain('expected another port');
    expect(w[1]).toContain('notify.channels[1].headers.Authorization: the header "Authorization" cannot be sent: its value holds the character U+20AC');
    expect(w[2]).toContain('notify.channels[1].headers.X-Two: the header "X-Two" cannot be sent: its value holds a line break');
    expect(w[3]).toContain('notify.channels[2].server: port 10080');
    expect(w[4]).toContain('notify.channels[2].token: the header "Authorization" cannot be sent');
    for (const line of w) expect(line).toContain('expected');
    const all = w.join('\n');
    expect(all).not.toContain('s3cr3t');
    expect(all).not.toContain('tök');
    expect(all).not.toContain('/hook');
  });

  it('validate says it on stderr and still exits 0; a sendable channel raises nothing', async () => {
    const r = await runCli(['validate', '-c', write(CONFIG)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('warning: channel "irc": notify.channels[0].url: port 6667');
    expect(r.stderr).toContain('warning: channel "hdr": notify.channels[1].headers.X-Two:');
    expect(r.stderr).not.toContain('s3cr3t');
    const fine = 'services:\n  - { name: app, command: [sleep, "1"] }\nnotify:\n  channels:\n    - { type: webhook, url: "http://127.0.0.1:8080/h", headers: { X-Key: "abc" } }\n';
    expect(loadConfig({ file: write(fine), env: {} }).warnings).toEqual([]);
  }, 30_000);
});
