// Answering from the chat plugged into the daemon: each allowed button or command becomes a request to a service's reducer.
import type { DaemonPlugin } from './daemon.js';
import { formatDuration } from '../config/duration.js';
import { setMaintenance } from './maintenance-targets.js';
import { fileOffsetStore } from '../notify/telegram-offset.js';
import { TelegramCommands, type ChatActions } from '../notify/telegram-commands.js';
import { movedChatFor, Outbox } from '../notify/outbox.js';
import path from 'node:path';

const CHAT_MAINTENANCE_MS = 30 * 60_000;

export function chatPlugin(): DaemonPlugin {
  return {
    name: 'chat',
    init(ctx, daemon) {
      const bots: TelegramCommands[] = [];
      const actions: ChatActions = {
        incidentOf: (service) => daemon.runtimes.get(service)?.currentIncident()?.id ?? null,
        statusLine: () =>
          [...daemon.runtimes.values()]
            .map((rt) => {
              const s = rt.status();
              return `${s.name}: ${s.state}, ${s.health}${s.incident ? `, incident ${s.incident.id} (level ${s.incident.level})` : ''}${s.maintenance ? `, maintenance by ${s.maintenance.by} (${s.maintenance.timeLeftMs !== null ? `${formatDuration(s.maintenance.timeLeftMs)} left` : 'until turned off'})` : ''}`;
            })
            .join('\n') || 'no services',
        act: async (service, incidentId, action, by, opts) => {
          if (action === 'approve' || action === 'refuse') {
            const rt = [...daemon.runtimes.values()].find((r) => r.currentIncident()?.id === incidentId);
            return rt ? rt.answerApproval(incidentId!, action === 'approve', by) : { ok: false, message: `no open incident ${incidentId}` };
          }
          if (action === 'maintenance') return setMaintenance(daemon.runtimes, service, true, { forMs: opts?.forMs ?? CHAT_MAINTENANCE_MS, reason: 'from the chat', by });
          const rt = daemon.runtimes.get(service);
          if (!rt) return { ok: false, message: `no service named "${service}"` };
          // A reset's journal line names who asked (the CLI's `?by=`), here the chat's sender.
          return action === 'reset' ? rt.request('reset', 'human', undefined, by) : rt.request(action, 'human');
        },
      };
      for (const ch of ctx.config.notify.channels) {
        if (ch.type !== 'telegram' || !ch.commands || !ch.enabled) continue;
        // A group that became a supergroup, learnt by an earlier run: its buttons and commands are in the new chat.
        const movedTo = movedChatFor(new Outbox(path.join(ctx.stateDir, 'outbox')).readMovedChatSync(ch.name), ch);
        bots.push(
          new TelegramCommands({
            apiBase: ch.apiBase,
            botToken: ch.botToken,
            chatId: ch.chatId,
            allow: ch.commands.allow,
            pollTimeoutMs: ch.commands.pollTimeout,
            clock: ctx.clock,
            actions,
            emit: ctx.emit,
            redact: (t) => ctx.redactor.redact(t),
            offsetStore: fileOffsetStore(ctx.stateDir, ch.botToken, ch.chatId),
            ...(movedTo !== undefined ? { movedTo } : {}),
            channelName: ch.name,
          }),
        );
      }
      if (bots.length === 0) return;
      const off = ctx.bus.subscribe((e) => {
        for (const b of bots) b.onEvent(e);
      });
      for (const b of bots) b.start();
      // Incidents already waiting for a person when this daemon started (a restart, an update, the guardian):
      // buttons that work again.
      for (const rt of daemon.runtimes.values()) {
        const s = rt.status();
        const inc = s.incident;
        if (!inc) continue;
        const kind = s.work?.kind === 'approval' ? 'approval' : inc.status === 'waiting-human' ? 'escalation' : undefined;
        if (!kind) continue;
        const note = `still waiting (Clawback restarted: the earlier buttons no longer work): ${inc.reason}`;
        for (const b of bots) b.reoffer(kind, rt.name, inc.id, note);
      }
      return {
        stop: async () => {
          off();
          await Promise.all(bots.map((b) => b.stop()));
        },
      };
    },
  };
}
