// One place mapping a channel type to its adapter, so the dispatcher knows no channel by name.
import type { ChannelAdapter } from './channel.js';
import type { ChannelConfig, ChannelType } from './notify-schema.js';
import { discordChannel } from './discord.js';
import { slackChannel } from './slack.js';
import { telegramChannel } from './telegram.js';
import { webhookChannel } from './webhook.js';
import { ntfyChannel } from './ntfy.js';

type Factories = { [K in ChannelType]: (cfg: Extract<ChannelConfig, { type: K }>) => ChannelAdapter };

const FACTORIES: Readonly<Factories> = {
  discord: discordChannel,
  slack: slackChannel,
  telegram: telegramChannel,
  webhook: webhookChannel,
  ntfy: ntfyChannel,
};

export function createChannelAdapter(cfg: ChannelConfig): ChannelAdapter {
  const factory = FACTORIES[cfg.type] as (c: ChannelConfig) => ChannelAdapter;
  return factory(cfg);
}
