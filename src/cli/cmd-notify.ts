// `clawback notify test|flush|discard [CHANNEL]`, `release CHANNEL`: test the channels; retry, drop or release the alerts the daemon keeps.
import type { Command } from 'commander';
import { terminalSafe } from './terminal-safe.js';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import { createNotifier } from '../notify/dispatcher.js';
import { systemClock } from '../platform/clock.js';
import { Redactor } from '../observe/redact.js';
import { connect } from './client.js';
import { printChangeAnswer, type ChangeAnswer } from './change-answer.js';
import { exitWithError, wantsJson } from './json-error.js';

/** Asks the running daemon to retry (flush) or drop (discard) the alerts it could not deliver. */
async function deadLetterCommand(program: Command, op: 'flush' | 'discard' | 'release', channel: string | undefined): Promise<void> {
  const client = await connect(program.opts());
  const q = channel ? `?channel=${encodeURIComponent(channel)}` : '';
  const r = await client.post<ChangeAnswer>(`/api/notify/${op}${q}`);
  const redactor = new Redactor();
  printChangeAnswer(r, { redact: (s) => redactor.redact(s) });
}

export function registerNotify(program: Command): void {
  const notify = program.command('notify').description('notification channels');
  notify
    .command('test [channel]')
    .description('send a test message to every channel (or one) and report the HTTP result')
    .option('--json', 'print the results as one JSON object: {"ok":true,"results":[{"channel","ok","status","error"}]}')
    .action(async (channel: string | undefined) => {
      const g = program.opts<{ config?: string; stateDir?: string }>();
      const loaded = loadConfig({ ...(g.config ? { file: g.config } : {}), ...(g.stateDir ? { stateDir: g.stateDir } : {}) });
      if (loaded.config.notify.channels.length === 0) {
        // Not an invalid config (exit 2): a valid config that has nothing to test.
        exitWithError('error', `no notification channels configured in ${loaded.file ?? 'the embedded demo config'} (add them under notify.channels)`, 1);
      }
      // An unknown name is an unknown name (exit 4, as `notify flush NAME` and `start NAME` say it), not a failed send (1).
      const names = loaded.config.notify.channels.map((c) => c.name);
      if (channel !== undefined && !names.includes(channel)) {
        exitWithError('not-found', `no notification channel named "${terminalSafe(channel)}" (configured: ${terminalSafe(names.join(', '))})`, 4);
      }
      // Every channel disabled: test() has nothing to send, and an empty report read as success (exit 0, no output).
      const disabled = loaded.config.notify.channels.filter((c) => !c.enabled).map((c) => c.name);
      if (channel === undefined && disabled.length === loaded.config.notify.channels.length) {
        const names = terminalSafe(disabled.join(', '));
        exitWithError('error', `every notification channel is disabled (enabled: false): ${names}; nothing was sent. \`clawback notify test NAME\` tests one anyway`, 1);
      }
      // A private outbox: the daemon's own outbox belongs to the daemon.
      const dir = mkdtempSync(path.join(os.tmpdir(), 'clawback-notify-test-'));
      const redactor = new Redactor();
      const notifier = createNotifier(loaded.config.notify, { stateDir: dir, clock: systemClock(), redactor });
      try {
        const results = await notifier.test(channel);
        if (wantsJson(process.argv.slice(2))) {
          const shown = results.map((r) => ({ channel: r.channel, ok: r.ok, status: r.status ?? null, error: r.error === undefined ? null : redactor.redact(r.error) }));
          process.stdout.write(JSON.stringify({ ok: results.every((r) => r.ok), results: shown }) + '\n');
        } else
          for (const r of results) {
            // The status is printed once: the error text of an answer starts with it too ("HTTP 429: HTTP 429: ...",
            // "HTTP 302: HTTP 302 (redirects ...)", "HTTP 500: HTTP 500"); what follows it in the error is kept as written.
            const head = r.status ? `HTTP ${r.status}` : '';
            const rest = !r.error ? '' : head && r.error.startsWith(head) && !/^\d/.test(r.error.slice(head.length)) ? r.error.slice(head.length) : `: ${r.error}`;
            process.stdout.write(`${r.ok ? 'ok  ' : 'FAIL'} ${r.channel}${head ? ` ${head}` : ''}${terminalSafe(redactor.redact(rest))}\n`);
          }
        process.exitCode = results.every((r) => r.ok) ? 0 : 1;
      } finally {
        await notifier.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  notify
    .command('flush [channel]')
    .description('retry now the alerts the daemon could not deliver (its dead letters), for every channel or one')
    .option('--json', 'print the answer as one JSON object: {"ok":true,"message":"…"}')
    .action((channel: string | undefined) => deadLetterCommand(program, 'flush', channel));
  notify
    .command('discard [channel]')
    .description('drop the undelivered alerts (dead letters) of every channel or one; they are not sent')
    .option('--json', 'print the answer as one JSON object: {"ok":true,"message":"…"}')
    .action((channel: string | undefined) => deadLetterCommand(program, 'discard', channel));
  notify
    .command('release <channel>')
    .description('send the alerts kept for a channel because they were queued for its old destination (a rotated webhook URL, a changed chat) to where it sends now')
    .option('--json', 'print the answer as one JSON object: {"ok":true,"message":"…"}')
    .action((channel: string) => deadLetterCommand(program, 'release', channel));
}
