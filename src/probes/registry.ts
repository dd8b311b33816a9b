// Probe kinds plug in here: kind -> factory. The daemon builds one probe per configured entry.
import type { ProbeConfig, ProbeConfigOf, ProbeKind } from './probe-schema.js';
import type { Probe, ProbeDeps } from './probe-types.js';
import { createCommandProbe } from './command-probe.js';
import { createConfigProbe } from './config-probe.js';
import { createHangProbe } from './hang-probe.js';
import { createHttpProbe } from './http-probe.js';
import { createLogProbe } from './log-probe.js';
import { createMemoryProbe } from './memory-probe.js';
import { createProcessProbe } from './process-probe.js';
import { createTcpProbe } from './tcp-probe.js';
import { createReadinessProbe } from './readiness-probe.js';

export type ProbeFactory<K extends ProbeKind> = (config: ProbeConfigOf<K>, deps?: ProbeDeps) => Probe;

export const probeFactories: { readonly [K in ProbeKind]: ProbeFactory<K> } = Object.freeze({
  process: createProcessProbe,
  http: createHttpProbe,
  tcp: createTcpProbe,
  memory: createMemoryProbe,
  hang: createHangProbe,
  config: createConfigProbe,
  log: createLogProbe,
  command: createCommandProbe,
  'openclaw-readiness': createReadinessProbe,
});

/** A fresh probe (with its own state, e.g. the log read position) for one configured entry. */
export function createProbe(config: ProbeConfig, deps: ProbeDeps = {}): Probe {
  const factory = probeFactories[config.kind] as ProbeFactory<ProbeKind>;
  return factory(config as never, deps);
}
