// Instance ports (port + i) must not land on another service's port: one check for config validation and `clawback scale`.
import { instanceName } from './instance-name.js';

/** A service as the check sees it: its base port and how many instances it may run (1 for a plain service). */
export interface PortedService {
  name: string;
  port: number | undefined;
  scaled: boolean;
  /** Instances it may run: the count, or the most it may be scaled to. */
  count: number;
}

/** The highest TCP port: instance i of a service on base port P listens on P + i. */
export const MAX_PORT = 65535;

/** How many instances a base port leaves room for (ports up to MAX_PORT). */
export function roomFor(port: number): number {
  return MAX_PORT - port + 1;
}

export interface PortClash {
  /** Indexes of the two services; `later` is the one the message is about. */
  earlier: number;
  later: number;
  port: number;
  message: string;
}

const unit = (s: PortedService, port: number): string => (s.scaled ? instanceName(s.name, port - s.port!) : s.name);
const range = (s: PortedService): string => (s.count > 1 ? `${s.port}..${s.port! + s.count - 1}` : String(s.port));

/**
 * Pure: pairs of services whose ports overlap because of instances (two plain services on one port are left alone:
 * that is no instance's doing). The first port both would use is named, with the two units that would race for it.
 */
export function portClashes(services: readonly PortedService[]): PortClash[] {
  const out: PortClash[] = [];
  for (let j = 0; j < services.length; j++) {
    const b = services[j]!;
    if (b.port === undefined) continue;
    for (let i = 0; i < j; i++) {
      const a = services[i]!;
      if (a.port === undefined || (a.count <= 1 && b.count <= 1)) continue;
      const lo = Math.max(a.port, b.port);
      if (lo > Math.min(a.port + a.count - 1, b.port + b.count - 1)) continue;
      out.push({
        earlier: i,
        later: j,
        port: lo,
        message: `expected ports that do not overlap: ${b.name} (${range(b)}) and ${a.name} (${range(a)}) would both use port ${lo} (${unit(b, lo)} and ${unit(a, lo)}); one of them could not start`,
      });
    }
  }
  return out;
}
