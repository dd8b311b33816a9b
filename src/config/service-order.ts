// The order configured services start and stop in (dependencies first; shutdown in waves), shared by the daemon and
// by `clawback install`, whose stop timeout must cover the waves one after another.
import type { ServiceConfig } from './schema.js';

/** Dependencies first; services without dependencies keep their config order. */
export function startOrder(services: ServiceConfig[]): string[] {
  const out: string[] = [];
  const done = new Set<string>();
  const visiting = new Set<string>();
  const byName = new Map(services.map((s) => [s.name, s]));
  const visit = (name: string): void => {
    if (done.has(name)) return;
    if (visiting.has(name)) throw new Error(`dependency cycle through "${name}"`);
    visiting.add(name);
    for (const dep of byName.get(name)?.dependsOn ?? []) visit(dep);
    visiting.delete(name);
    done.add(name);
    out.push(name);
  };
  for (const s of services) visit(s.name);
  return out;
}

/**
 * The shutdown's order: waves that each stop at once, every service in a wave before anything it depends on
 * (the first wave: what nothing depends on). systemd stops units in parallel the same way, bar their ordering.
 */
export function stopWaves(services: ServiceConfig[]): string[][] {
  const byName = new Map(services.map((s) => [s.name, s]));
  const level = new Map<string, number>();
  // In reverse start order every dependent comes before what it depends on, so a service's level is final when reached.
  for (const name of startOrder(services).reverse()) {
    const l = level.get(name) ?? 0;
    level.set(name, l);
    for (const dep of byName.get(name)?.dependsOn ?? []) if (byName.has(dep)) level.set(dep, Math.max(level.get(dep) ?? 0, l + 1));
  }
  // Levels have no gaps (a level above 0 is always one more than a dependent's), so every wave is filled.
  const waves: string[][] = [];
  for (const [name, l] of level) (waves[l] ??= []).push(name);
  return waves;
}
