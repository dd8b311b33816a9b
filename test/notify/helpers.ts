// Shared set-up for notify tests: a config pointing every channel at the loopback receiver, temp state dirs.
import { mkdtemp, rm } from 'node:fs/promises';
import { afterEach, beforeEach } from 'vitest';
import os from 'node:os';
import path from 'node:path';
import { notifySchema, type NotifyConfig, type NotifyConfigInput } from '../../src/notify/notify-schema.js';
import { Receiver } from './receiver.js';
import type { Notifier } from '../../src/notify/dispatcher.js';
import type { ClawbackEvent } from '../../src/observe/events.js';
import { TelegramCommands, type TelegramCommandsOptions } from '../../src/notify/telegram-commands.js';
import { systemClock } from '../../src/platform/clock.js';
import { mountSmallDisk, type SmallDisk } from '../helpers/tmpfs.js';

export const BOT_TOKEN = '123456789:AAH-test_token_abcdefghijklmnopqrstuvwxyz0';
export const DISCORD_TOKEN = 'discord-webhook-token-0123456789abcdef';
export const SLACK_TOKEN = 'slack-webhook-token-XYZ0123456789abc';

type ChannelInput = NonNullable<NotifyConfigInput['channels']>[number];

export function allChannels(r: Receiver): ChannelInput[] {
  return [
    { type: 'discord', url: `${r.base}/discord/1234567890/${DISCORD_TOKEN}` },
    { type: 'slack', url: `${r.base}/slack/services/T000/B000/${SLACK_TOKEN}` },
    { type: 'telegram', name: 'tg-html', botToken: BOT_TOKEN, chatId: -1001234, apiBase: `${r.base}/telegram` },
    { type: 'telegram', name: 'tg-md', botToken: BOT_TOKEN, chatId: '@ops', parseMode: 'MarkdownV2', apiBase: `${r.base}/telegram` },
    { type: 'webhook', url: `${r.base}/webhook/hook-1`, headers: { Authorization: 'Bearer webhook-header-token-123' } },
    { type: 'ntfy', server: `${r.base}/ntfy`, topic: 'clawback-alerts' },
  ];
}

/** Channels default to `mode: every-event` here (one message per event), so each test sees every send. */
export function config(channels: ChannelInput[], extra: Partial<NotifyConfigInput> = {}): NotifyConfig {
  const withMode = channels.map((c) => ({ mode: 'every-event' as const, ...c }));
  return notifySchema.parse({ channels: withMode, backoff: { initial: 50, max: 300 }, ...extra });
}

export async function tempStateDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'clawback-notify-'));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export function logCollector(): { lines: string[]; log: (msg: string, extra?: object) => void } {
  const lines: string[] = [];
  return { lines, log: (msg, extra) => lines.push(`${msg} ${JSON.stringify(extra ?? {})}`) };
}

export function event(over: Partial<ClawbackEvent> = {}): ClawbackEvent {
  const tag = Math.random().toString(36).slice(2, 8);
  return {
    type: 'incident.opened',
    time: Date.now(),
    severity: 'critical',
    message: `gateway stopped answering /health (${tag})`,
    service: 'gateway',
    incidentId: 'inc-0001',
    level: 1,
    ...over,
  };
}

/**
 * Per test: `count` fresh loopback receivers and a state dir; notifiers pushed on `notifiers` are stopped after it.
 * Call inside a describe block (it registers that block's beforeEach/afterEach).
 */
export function receiversPerTest(count: number): { readonly receivers: Receiver[]; readonly stateDir: string; readonly notifiers: Notifier[] } {
  let receivers: Receiver[] = [];
  let stateDir: string | undefined;
  const notifiers: Notifier[] = [];
  beforeEach(async () => {
    receivers = await Promise.all(Array.from({ length: count }, () => Receiver.start()));
    stateDir = await tempStateDir();
  });
  afterEach(async () => {
    await Promise.all(notifiers.splice(0).map((n) => n.stop()));
    await Promise.all(receivers.splice(0).map((r) => r.close()));
    if (stateDir) await removeDir(stateDir);
  });
  return {
    get receivers() {
      return receivers;
    },
    get stateDir() {
      return stateDir!;
    },
    notifiers,
  };
}

/** receiversPerTest with one receiver. */
export function receiverPerTest(): { readonly receiver: Receiver; readonly stateDir: string; readonly notifiers: Notifier[] } {
  const bed = receiversPerTest(1);
  return {
    get receiver() {
      return bed.receivers[0]!;
    },
    get stateDir() {
      return bed.stateDir;
    },
    notifiers: bed.notifiers,
  };
}

/** Per test: a receiver and a small tmpfs (the state dir, to fill), the notifiers stopped, the disk freed and unmounted after. */
export function receiverOnSmallDisk(size = '1m'): { readonly receiver: Receiver; readonly disk: SmallDisk; readonly notifiers: Notifier[] } {
  let receiver: Receiver | undefined;
  let disk: SmallDisk | undefined;
  const notifiers: Notifier[] = [];
  beforeEach(async () => {
    receiver = await Receiver.start();
    disk = mountSmallDisk(size);
  });
  afterEach(async () => {
    await Promise.all(notifiers.splice(0).map((n) => n.stop()));
    await receiver?.close();
    disk?.free();
    disk?.unmount();
  });
  return {
    get receiver() {
      return receiver!;
    },
    get disk() {
      return disk!;
    },
    notifiers,
  };
}

/**
 * A chat-command bot on a Bot API stand-in at apiBase: allowed user 42, the commands it carries out recorded in `acted`
 * ("resume gw"), its events in `emitted`; `over` changes any option.
 */
export function commandBot(apiBase: string, chatId: string, rec: { acted: string[]; emitted?: ClawbackEvent[] }, over: Partial<TelegramCommandsOptions> = {}): TelegramCommands {
  return new TelegramCommands({
    apiBase,
    botToken: '123456:TEST-token',
    chatId,
    allow: [42],
    pollTimeoutMs: 1000,
    clock: systemClock(),
    actions: { incidentOf: () => 'inc-1', act: async (service, _inc, action) => (rec.acted.push(`${action} ${service}`), { ok: true, message: 'done' }), statusLine: () => '' },
    emit: (e) => void rec.emitted?.push(e),
    redact: (t) => t,
    ...over,
  });
}
