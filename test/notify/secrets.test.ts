// Secrets never leave: not in payloads, not in the outbox files, not in log lines or error messages.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNotifier, type Notifier } from '../../src/notify/dispatcher.js';
import { systemClock } from '../../src/platform/clock.js';
import { Redactor } from '../../src/observe/redact.js';
import { Receiver } from './receiver.js';
import { allChannels, BOT_TOKEN, config, DISCORD_TOKEN, event, logCollector, removeDir, SLACK_TOKEN, tempStateDir } from './helpers.js';

const SEEDED = 'seeded-secret-Q9x7w2';
const ENV_SECRET = 'env-secret-value-8f3k1';
const PASSWORD = 'hunter2-hunter2';

/** Every settled file under outbox/ (pending, dead letters, live-message ids); temp files in flight are skipped. */
async function outboxText(stateDir: string): Promise<string> {
  const root = path.join(stateDir, 'outbox');
  let text = '';
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name.endsWith('.tmp')) continue;
    text += await readFile(path.join(entry.parentPath, entry.name), 'utf8').catch(() => '');
  }
  return text;
}

describe('secrets', () => {
  let receiver: Receiver;
  let stateDir: string;
  let notifier: Notifier | undefined;

  beforeEach(async () => {
    receiver = await Receiver.start();
    stateDir = await tempStateDir();
  });

  afterEach(async () => {
    await notifier?.stop();
    notifier = undefined;
    await receiver.close();
    await removeDir(stateDir);
  });

  it('never sends, spools or logs a secret', async () => {
    const redactor = new Redactor();
    redactor.addSecret(SEEDED);
    redactor.addSecretEnv({ OPENAI_API_KEY: ENV_SECRET, PATH: '/usr/bin' });
    const cfg = config(allChannels(receiver));
    const discordUrl = (cfg.channels[0] as { url: string }).url;
    const logs = logCollector();
    notifier = createNotifier(cfg, { stateDir, clock: systemClock(), redactor, hostname: 'h', log: logs.log });

    await receiver.down();
    notifier.publish(
      event({
        message: `restart failed: token=${SEEDED} key ${ENV_SECRET} posting to ${discordUrl} bot ${BOT_TOKEN}`,
        details: {
          password: PASSWORD,
          nested: { note: `env was ${ENV_SECRET}`, list: [SEEDED] },
          logExcerpt: `Error: auth ${SEEDED}\nAuthorization: Bearer ${ENV_SECRET}\nslack ${SLACK_TOKEN}`,
        },
      }),
    );
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      const files = await readdir(path.join(stateDir, 'outbox')).catch(() => []);
      if (files.length >= 6) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 200));
    const spooled = await outboxText(stateDir);
    expect(spooled.length).toBeGreaterThan(0);

    // The endpoint answers with an error page that echoes the request URL and token.
    await receiver.up();
    receiver.script(1, 400, { body: `bad request to ${discordUrl} with bot${BOT_TOKEN}` });
    // Five alerts, plus (on a slow machine) the notices that one alert is undelivered to the channel that refused it.
    await receiver.waitFor(() => receiver.accepted.length >= 5, 10_000, 'five deliveries after one refusal');
    await notifier.flush(5000);
    const results = await notifier.test();
    expect(results.every((r) => r.ok)).toBe(true);

    const secrets = [SEEDED, ENV_SECRET, PASSWORD, DISCORD_TOKEN, SLACK_TOKEN, BOT_TOKEN, 'webhook-header-token-123'];
    const bodies = receiver.accepted.map((m) => m.raw + JSON.stringify(m.text)).join('\n');
    const logText = logs.lines.join('\n');
    expect(logText).toContain('refused by the endpoint');
    expect(logText).toContain('will retry');
    for (const s of secrets) {
      expect(bodies, `payload leaks ${s}`).not.toContain(s);
      expect(spooled, `outbox leaks ${s}`).not.toContain(s);
      expect(logText, `log leaks ${s}`).not.toContain(s);
    }
    expect(logText).not.toContain(discordUrl);
    expect(bodies).toContain('[REDACTED]');
  });
});
