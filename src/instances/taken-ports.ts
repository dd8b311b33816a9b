// The ports of instances about to be added that another program listens on now: `clawback scale` and a reload refuse them.
import type { ClawbackConfig } from '../config/schema.js';
import type { Daemon } from '../daemon/daemon.js';
import { checkPortFree } from '../doctor/port-bind-check.js';
import { serviceBindHosts } from '../doctor/bind-hosts.js';
import { parseInstanceName } from './instance-name.js';

/**
 * For each instance of `config` in a group `groups` accepts that does not run here yet: its port when something else
 * listens on it (such an instance was held at Level 4 at once, preflight, a page to a human for a stranger's port).
 * Not counted: an instance this Clawback started that still runs (it is adopted), and `freed` ports (held by units
 * the same change stops first).
 */
export async function takenInstancePorts(config: ClawbackConfig, daemon: Daemon, groups: (group: string) => boolean, freed: ReadonlySet<number> = new Set()): Promise<string[]> {
  const out: string[] = [];
  for (const svc of config.services) {
    const group = parseInstanceName(svc.name)?.group;
    if (group === undefined || !groups(group) || daemon.runtimes.has(svc.name) || svc.port === undefined || freed.has(svc.port)) continue;
    // Its own instance, left running by a daemon killed mid scale-down: the change adopts it (applyServices).
    if (daemon.liveRecord(svc.name)) continue;
    const r = await checkPortFree(svc.port, await serviceBindHosts(svc));
    if (r.state === 'in-use' && !r.uncertain) out.push(`port ${svc.port} of ${svc.name} is in use (${r.host ?? '?'}: ${r.error ?? 'EADDRINUSE'})`);
  }
  return out;
}
