// OTP restart strategies for groups of services: who else restarts when one member restarts after a failure.
import type { GroupConfig } from '../config/schema.js';
import type { DaemonPlugin } from './daemon.js';

/** Reasons that mean "this member failed and came back"; a restart done for a peer never cascades. */
const FAILURE_RESTARTS = new Set(['exit', 'probe', 'memory', 'prediction', 'doctor', 'agent']);

/** Pure: the members to restart after `service` restarted because it failed, in start order. */
export function peersToRestart(groups: readonly GroupConfig[], service: string): string[] {
  const out: string[] = [];
  for (const g of groups) {
    const i = g.services.indexOf(service);
    if (i < 0 || g.strategy === 'one_for_one') continue;
    const peers = g.strategy === 'rest_for_one' ? g.services.slice(i + 1) : g.services.filter((n) => n !== service);
    for (const p of peers) if (!out.includes(p)) out.push(p);
  }
  return out;
}

export function groupsPlugin(): DaemonPlugin {
  return {
    name: 'groups',
    init(ctx, daemon) {
      // Listens even with no groups yet: a reload may add one (ctx.config is replaced), and it must apply then.
      const off = ctx.bus.subscribe((e) => {
        if (e.type !== 'service.started' || !e.service || !FAILURE_RESTARTS.has(String(e.details?.reason))) return;
        const peers = peersToRestart(ctx.config.groups, e.service);
        if (peers.length === 0) return;
        ctx.emit({ type: 'incident.action', time: ctx.clock.now(), severity: 'info', service: e.service, message: `${e.service} restarted: restarting ${peers.join(', ')} with it (group strategy)`, details: { action: 'group-restart', peers } });
        // A report to each peer's reducer; it decides (a held or repairing peer is left alone).
        void (async () => {
          for (const p of peers) await daemon.runtimes.get(p)?.restart('group');
        })();
      });
      return { stop: async () => off() };
    },
  };
}
