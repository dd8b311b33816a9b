// Two plain services on one port (or one on Clawback's API port): validate said "valid", then one of them could never
// listen and sat held for a human. Said as a warning (a config that loads today still loads); instance overlaps are errors.
import type { ClawbackConfig } from './schema.js';

/** One line per service (of one instance) whose port an earlier such service, or the daemon's API, already has. */
export function sharedPortWarnings(declared: ClawbackConfig): string[] {
  const warnings: string[] = [];
  const first = new Map<number, string>();
  if (declared.api.port > 0) first.set(declared.api.port, `Clawback's API (api.port)`);
  declared.services.forEach((s, i) => {
    // Ranges of more than one instance are checked, as errors, by templateView.
    if (s.port === undefined || Math.max(s.instances ?? 1, s.autoscale?.max ?? 1) > 1) return;
    const other = first.get(s.port);
    if (other === undefined) {
      first.set(s.port, `${s.name} (services[${i}])`);
      return;
    }
    warnings.push(`services[${i}].port: ${s.port} is also the port of ${other}; only one of them can listen there (the other fails with EADDRINUSE); expected each service its own port`);
  });
  return warnings;
}
