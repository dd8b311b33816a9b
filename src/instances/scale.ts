// `clawback scale NAME N` and the autoscaler's decisions: one path that persists the count and changes the service set.
import { materializeIsolated } from '../config/load-isolated.js';
import type { Daemon } from '../daemon/daemon.js';
import { MAX_INSTANCES, declaredCount, isScaled } from './scaled.js';
import { MAX_PORT, portClashes, roomFor } from './port-ranges.js';
import { instanceName, namesFor } from './instance-name.js';
import { describeServingLoss, servingLoss } from './rollout-guard.js';
import { effectiveCount, readScaleOverrides, writeScaleOverrides } from './scale-store.js';
import { takenInstancePorts } from './taken-ports.js';

export interface ScaleResult {
  status: number;
  body: { ok: boolean; message: string; [key: string]: unknown };
}

export { MAX_INSTANCES };

/**
 * Sets the number of instances of a scaled service; persisted in scale.json, applied at once. `expectFrom`: the count
 * the decision was made at (the autoscaler's); another count by the time it runs drops it (`stale`), nothing changed.
 */
export function scaleService(daemon: Daemon, name: string, instances: number, by: string, reason?: string, expectFrom?: number): Promise<ScaleResult> {
  return daemon.exclusive(async () => {
    const { ctx } = daemon;
    const source = daemon.source;
    const s = source?.declared.services.find((d) => d.name === name);
    if (!source || !s) return { status: 404, body: { ok: false, message: `no service named "${name}" (scale takes the service's name as in the config, e.g. "web" for web:0..)` } };
    // A decision queued behind a person's `scale` or a reload undid it at once (web scaled 1 -> 4 a second after
    // `clawback scale web 1`, on an average taken at 2): the count it was made for is gone, the next sample decides.
    const now = namesFor(name, daemon.runtimes.keys()).length;
    if (expectFrom !== undefined && now !== expectFrom) {
      return { status: 409, body: { ok: false, stale: true, message: `${name}: the count changed from ${expectFrom} to ${now} while this scale waited; dropped, nothing changed` } };
    }
    if (!isScaled(s)) {
      return { status: 409, body: { ok: false, message: `${name} is not a scaled service: add \`instances: 1\` to it in the config and run \`clawback reload\` (it will then run as ${name}:0)` } };
    }
    if (s.placement === 'singleton' && instances !== 1) {
      return { status: 409, body: { ok: false, message: `${name} is a cluster singleton (placement: singleton): it runs exactly one instance across the cluster; nothing changed` } };
    }
    const lo = s.autoscale?.min ?? 1;
    const hi = s.autoscale?.max ?? MAX_INSTANCES;
    if (!Number.isInteger(instances) || instances < lo || instances > hi) {
      return { status: 400, body: { ok: false, message: `instances: expected a whole number from ${lo} to ${hi}${s.autoscale ? ' (autoscale min..max)' : ''}, got ${JSON.stringify(instances)}` } };
    }
    // Else the expansion failed with "invalid config <file>: services[i].port: Too big", blaming a file that is valid.
    if (s.port !== undefined && instances > roomFor(s.port)) {
      return { status: 400, body: { ok: false, message: `instances: expected at most ${roomFor(s.port)} for ${name} (base port ${s.port}: ${instanceName(name, roomFor(s.port))} would get port ${MAX_PORT + 1}, past ${MAX_PORT}), got ${instances}` } };
    }
    const overrides = readScaleOverrides(ctx.stateDir);
    const from = effectiveCount(s, overrides);
    // The file's check covers `instances:` and autoscale.max; a count beyond them may reach another service's port.
    const declared = source.declared.services;
    const ported = declared.map((d) => ({
      name: d.name,
      port: d.port,
      scaled: isScaled(d),
      count: d.name === name ? instances : isScaled(d) ? Math.max(declaredCount(d), d.autoscale?.max ?? 1, effectiveCount(d, overrides)) : 1,
    }));
    // And the port this daemon's API listens on (an instance there could never start).
    if (daemon.api?.port) ported.push({ name: "Clawback's API (api.port)", port: daemon.api.port, scaled: false, count: 1 });
    const clash = portClashes(ported).find((c) => ported[c.earlier]!.name === name || ported[c.later]!.name === name);
    if (clash) return { status: 409, body: { ok: false, message: `${name}: cannot scale to ${instances}: ${clash.message.replace(/^expected ports that do not overlap: /, '')}` } };
    // Instances go from the top: with a lower one down, a scale down would stop the serving ones and keep it.
    const loss = servingLoss(name, Array.from({ length: instances }, (_, i) => instanceName(name, i)), daemon.runtimes);
    if (loss) {
      const message = `${name}: cannot scale to ${instances} now: ${describeServingLoss(loss, daemon.runtimes)}; nothing changed (scale again once ${loss.notServing.join(', ') || 'they'} serve${loss.notServing.length === 1 ? 's' : ''}, or to a count that keeps the serving ones)`;
      return { status: 409, body: { ok: false, message, stopping: loss.stopping, notServing: loss.notServing } };
    }
    const next = { ...overrides, [name]: { instances, fileInstances: s.instances ?? null, by, at: ctx.clock.now() } };
    const config = await materializeIsolated(source, next);
    const taken = await takenInstancePorts(config, daemon, (g) => g === name);
    if (taken.length > 0) {
      const message = `${name}: cannot scale to ${instances}: ${taken.join('; ')}; nothing changed (stop that program, or give ${name} another base port)`;
      return { status: 409, body: { ok: false, message, taken } };
    }
    writeScaleOverrides(ctx.stateDir, next, ctx.clock.now());
    const diff = await daemon.applyServices(config);
    const running = namesFor(name, daemon.runtimes.keys());
    const message = from === instances ? `${name}: already ${instances} instance(s)` : `${name}: scaled from ${from} to ${instances} instance(s) by ${by}${reason ? ` (${reason})` : ''}`;
    if (from !== instances) {
      ctx.emit({
        type: 'service.scaled',
        time: ctx.clock.now(),
        severity: 'info',
        service: name,
        message,
        details: { from, to: instances, by, ...(reason ? { reason } : {}), added: diff.added.map((x) => x.name), removed: diff.removed },
      });
    }
    return { status: 200, body: { ok: true, message, from, to: instances, instances: running } };
  });
}
