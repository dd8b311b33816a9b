// Two channels with one webhook URL (or one Telegram chat) were "valid", and every alert was posted there twice. Now a
// warning names both channels (never the URL: it holds a secret); the config still loads, as it did before.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { createNotifier } from '../../src/notify/dispatcher.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/daemon.js';
import { config, event, receiverPerTest } from './helpers.js';

function write(text: string): string {
  const file = path.join(tempDir(), 'clawback.yaml');
  writeFileSync(file, text);
  return file;
}

const config2 = (url: string, url2: string, extra = ''): string =>
  [
    'services:',
    '  - { name: app, command: [sleep, "1"] }',
    'notify:',
    '  channels:',
    `    - { type: slack, name: ops, url: "${url}" }`,
    `    - { type: slack, name: ops-copy, url: "${url2}"${extra} }`,
    '    - { type: telegram, botToken: "123456:AAAAAAAAAA", chatId: -100123 }',
    '    - { type: telegram, name: other-bot, botToken: "654321:BBBBBBBBBB", chatId: "-100123" }',
    '    - { type: telegram, name: topic, botToken: "654321:BBBBBBBBBB", chatId: "-100123", messageThreadId: 7 }',
    '',
  ].join('\n');

describe('two channels sending to one place', () => {
  const bed = receiverPerTest();

  it('posts every alert twice, and validate now says so, naming both channels and never the URL', async () => {
    const url = `${bed.receiver.base}/slack/services/T0/B0/s3cr3tpath`;
    // What the user got: one alert, two identical posts on the same webhook.
    const notifier = createNotifier(config([{ type: 'slack', name: 'ops', url }, { type: 'slack', name: 'ops-copy', url }]), {
      stateDir: bed.stateDir,
      clock: systemClock(),
      redactor: new Redactor(),
      hostname: 'h',
      log: () => undefined,
    });
    bed.notifiers.push(notifier);
    notifier.publish(event({ message: 'gw went down' }));
    await bed.receiver.waitFor(() => bed.receiver.accepted.length >= 2, 10_000, 'the alert on both channels');
    expect(bed.receiver.accepted.map((m) => m.path)).toEqual([new URL(url).pathname, new URL(url).pathname]);

    // A trailing slash is the same URL.
    const file = write(config2(url, url + '/', ', minSeverity: critical'));
    const w = loadConfig({ file, env: {} }).warnings;
    expect(w).toEqual([
      expect.stringMatching(/^notify\.channels\[1\] \(ops-copy\)\.url: sends to the same URL as notify\.channels\[0\] \(ops\): every alert both channels pass is posted there twice; expected one channel per destination/),
      expect.stringMatching(/^notify\.channels\[3\] \(other-bot\)\.chatId: sends to the same chat as notify\.channels\[2\] \(telegram-1\): /),
    ]);
    expect(w.join('\n')).not.toContain('s3cr3t');
    const r = await runCli(['validate', '-c', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('warning: notify.channels[1] (ops-copy).url: sends to the same URL as notify.channels[0] (ops)');
    expect(r.stderr).not.toContain('s3cr3t');
  }, 30_000);

  it('different URLs, a disabled copy, and another forum topic say nothing', () => {
    const base = 'http://127.0.0.1:8080/slack/services/T0/B0/x';
    expect(loadConfig({ file: write(config2(base, `${base}2`).replace(/ +- \{ type: telegram, name: other-bot.*\n/, '')), env: {} }).warnings).toEqual([]);
    expect(loadConfig({ file: write(config2(base, base, ', enabled: false').replace(/ +- \{ type: telegram, name: other-bot.*\n/, '')), env: {} }).warnings).toEqual([]);
  });
});
