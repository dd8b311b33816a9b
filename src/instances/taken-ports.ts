// The ports of instances about to be added (or moved to another port) that another program listens on now: `clawback scale` and a reload refuse them.
import type { ClawbackConfig } from '../config/schema.js';
import type { Daemon } from '../daemon/daemon.js';
import { checkPortFree } from '../doctor/port-bind-check.js';
import { serviceBindHosts } from '../doctor/bind-hosts.js';
import { parseInstanceName } from './instance-name.js';

/**
 * For each instance of `config` in a group `groups` accepts that does not run here yet: its port when something else
 * listens on it (such an instance was held at Level 4 at once, preflight, a page to a human for a stranger's port).
 * Not counted: an instance this Clawback started that still runs on that port (kept, or adopted), and `freed` ports
 * (held by units the same change stops first). A running instance given another port is counted, and so is a port
 * one of this daemon's other units runs on now (a rolling change starts the moved instance before that one stops).
 */
export async function takenInstancePorts(config: ClawbackConfig, daemon: Daemon, groups: (group: string) => boolean, freed: ReadonlySet<number> = new Set()): Promise<string[]> {
  const out: string[] = [];
  let heldByUnit: Map<number, string> | undefined;
  for (const svc of config.services) {
    const group = parseInstanceName(svc.name)?.group;
    if (group === undefined || !groups(group) || svc.port === undefined || freed.has(svc.port)) continue;
    // A running instance on its port keeps it; one moved to another port (a reload changed the base port) is
    // restarted onto the new one: it was taken down onto a stranger's port and the rollout waited out its bound.
    const running = daemon.runtimes.get(svc.name);
    if (running && running.config.port === svc.port) continue;
    // Its own instance, left running by a daemon killed mid scale-down: the change adopts it (applyServices).
    if (!running && daemon.liveRecord(svc.name)) continue;
    heldByUnit ??= new Map([...daemon.runtimes.values()].flatMap((rt) => (rt.config.port !== undefined ? [[rt.config.port, rt.name] as const] : [])));
    const peer = heldByUnit.get(svc.port);
    if (peer !== undefined && peer !== svc.name) {
      // One at a time: the moved instance would start while its peer still runs on that port.
      out.push(`port ${svc.port} of ${svc.name} is ${peer}'s port now (a rolling change replaces one instance at a time; give a base port whose range does not overlap the running one's, or change it in two steps)`);
      continue;
    }
    const r = await checkPortFree(svc.port, await serviceBindHosts(svc));
    if (r.state === 'in-use' && !r.uncertain) out.push(`port ${svc.port} of ${svc.name} is in use (${r.host ?? '?'}: ${r.error ?? 'EADDRINUSE'})`);
  }
  return out;
}
