// `clawback reload` and SIGHUP: read the config file again; invalid changes nothing, valid applies the difference.
import { loadConfigIsolated } from '../config/load-isolated.js';
import { loadSettled } from '../config/settled-file.js';
import { ConfigError, formatProblem } from '../config/errors.js';
import type { Daemon } from '../daemon/daemon.js';
import { describeDiff, diffIsEmpty } from '../daemon/service-set.js';
import { readScaleOverrides, writeScaleOverrides } from './scale-store.js';
import { clusterReloadProblem } from '../cluster/cluster-reload.js';
import { parseInstanceName } from './instance-name.js';
import { describeServingLoss, servingLoss } from './rollout-guard.js';
import { takenInstancePorts } from './taken-ports.js';

export interface ReloadResult {
  status: number;
  body: { ok: boolean; message: string; [key: string]: unknown };
}

/** Top-level settings a reload does not apply (the API socket, the state directory are built once); `notify` is, below. */
const RESTART_ONLY = ['stateDir', 'api', 'logLevel'] as const;

/**
 * A reload waiting its turn answers every request made meanwhile: it reads the file when it starts, so it applies what
 * the last of them asked for. A storm of SIGHUPs (a deploy script in a loop) is then one reload after the running one,
 * not one each, each waiting for the file to settle.
 */
export function reloadConfig(daemon: Daemon, by: string): Promise<ReloadResult> {
  const waiting = daemon.reloadWaiting as Promise<ReloadResult> | undefined;
  if (waiting) return waiting;
  const run: Promise<ReloadResult> = daemon.exclusive(async () => {
    if (daemon.reloadWaiting === run) daemon.reloadWaiting = undefined;
    // Kept for the status: a SIGHUP's refusal is said only in a log line and an event nobody may have read.
    const failed = (message: string): void => {
      daemon.reloadFailed = { at: daemon.ctx.clock.now(), by, message };
    };
    try {
      const result = await reloadNow(daemon, by);
      if (result.status === 200) daemon.reloadFailed = undefined;
      else failed(result.body.message);
      return result;
    } catch (err) {
      failed(`config reload failed: ${(err as Error).message}`);
      throw err;
    }
  });
  daemon.reloadWaiting = run;
  const clear = (): void => {
    if (daemon.reloadWaiting === run) daemon.reloadWaiting = undefined;
  };
  run.then(clear, clear);
  return run;
}

async function reloadNow(daemon: Daemon, by: string): Promise<ReloadResult> {
  const { ctx } = daemon;
  const now = (): number => ctx.clock.now();
  if (!ctx.configFile) {
    return { status: 409, body: { ok: false, message: 'the daemon runs the embedded demo config: there is no config file to reload' } };
  }
  let loaded;
  try {
    // A file caught mid-write (truncated, half written) parsed as a smaller config: the services of its missing half were stopped.
    const file = ctx.configFile;
    loaded = await loadSettled(file, ctx.clock, () => loadConfigIsolated({ file, stateDir: ctx.stateDir }));
  } catch (err) {
    const problems = err instanceof ConfigError ? err.problems.map((p) => formatProblem(p, err.file)) : [(err as Error).message];
    const message = `config reload refused, nothing changed: ${ctx.configFile}: ${problems[0] ?? 'invalid'}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`;
    ctx.emit({ type: 'config.reload-failed', time: now(), severity: 'warning', message, details: { file: ctx.configFile, problems, by } });
    return { status: 400, body: { ok: false, message, problems } };
  }
  const clusterProblem = clusterReloadProblem(ctx.config, loaded.config);
  if (clusterProblem) {
    const message = `config reload refused, nothing changed: ${clusterProblem}`;
    ctx.emit({ type: 'config.reload-failed', time: now(), severity: 'warning', message, details: { file: ctx.configFile, problems: [clusterProblem], by } });
    return { status: 409, body: { ok: false, message, problems: [clusterProblem] } };
  }
  // A service added (or moved) onto a port a scaled-up instance holds: both would race for it (scale.json's count is not the file's).
  if (loaded.overridesRefused?.length) {
    const problems = loaded.overridesRefused.map((r) => `${r.message}; scale ${r.service} down first, or give the other service another port`);
    const message = `config reload refused, nothing changed: ${problems.join('; ')}`;
    ctx.emit({ type: 'config.reload-failed', time: now(), severity: 'warning', message, details: { file: ctx.configFile, problems, by } });
    return { status: 409, body: { ok: false, message, problems } };
  }
  // A smaller count stops instances from the top: refused when that stops serving ones and keeps broken ones (as `scale`).
  const groups = new Set([...daemon.runtimes.keys()].map((n) => parseInstanceName(n)?.group).filter((g): g is string => g !== undefined));
  const nextNames = loaded.config.services.map((s) => s.name);
  for (const group of groups) {
    const loss = servingLoss(group, nextNames.filter((n) => parseInstanceName(n)?.group === group), daemon.runtimes);
    if (!loss) continue;
    const problem = `${group}: ${describeServingLoss(loss, daemon.runtimes)} (reload again once ${loss.notServing.join(', ') || 'they'} serve${loss.notServing.length === 1 ? 's' : ''}, or with a count that keeps the serving ones)`;
    const message = `config reload refused, nothing changed: ${problem}`;
    ctx.emit({ type: 'config.reload-failed', time: now(), severity: 'warning', message, details: { file: ctx.configFile, problems: [problem], by } });
    return { status: 409, body: { ok: false, message, problems: [problem] } };
  }
  // As `scale`: an added instance on a port another program listens on was held at Level 4 at once, the reload said "reloaded".
  const freed = new Set(ctx.config.services.filter((s) => !nextNames.includes(s.name) && s.port !== undefined).map((s) => s.port!));
  const taken = await takenInstancePorts(loaded.config, daemon, () => true, freed);
  if (taken.length > 0) {
    const problems = taken.map((t) => `${t}; stop that program, or give the service another base port`);
    const message = `config reload refused, nothing changed: ${problems.join('; ')}`;
    ctx.emit({ type: 'config.reload-failed', time: now(), severity: 'warning', message, details: { file: ctx.configFile, problems, by } });
    return { status: 409, body: { ok: false, message, problems, taken } };
  }
  const before = daemon.source?.declared;
  const ignored: string[] = before ? RESTART_ONLY.filter((k) => JSON.stringify(before[k]) !== JSON.stringify(loaded.declared[k])) : [];
  // An override made for a count the file no longer says is dropped: the file wins (docs/instances.md).
  const overrides = readScaleOverrides(ctx.stateDir);
  const stale = Object.keys(overrides).filter((name) => {
    const s = loaded.declared.services.find((d) => d.name === name);
    return !s || overrides[name]!.fileInstances !== (s.instances ?? null);
  });
  if (stale.length > 0) {
    for (const name of stale) delete overrides[name];
    writeScaleOverrides(ctx.stateDir, overrides, now());
  }
  // The Telegram command pollers are built at the daemon's start (chat-wiring.ts): a changed `commands:` waits for it.
  const commandBots = (notify: typeof loaded.config.notify): string =>
    JSON.stringify(notify.channels.flatMap((c) => (c.type === 'telegram' && c.commands && c.enabled ? [[c.name, c.botToken, c.chatId, c.commands, c.apiBase]] : [])));
  if (commandBots(ctx.config.notify) !== commandBots(loaded.config.notify)) ignored.push('notify (the Telegram channels\' commands)');
  daemon.source = { raw: loaded.raw, declared: loaded.declared, file: loaded.file };
  const diff = await daemon.applyServices(loaded.config);
  // The channels are rebuilt over the same outbox: a channel that stays keeps its spool, a removed one's is kept as stranded.
  const notifyApplied = (await daemon.onNotifyReload?.(loaded.config.notify)) ?? '';
  const notifyNote = notifyApplied ? `; ${notifyApplied}` : '';
  const summary = describeDiff(diff);
  const notApplied = ignored.length > 0 ? `; not applied until the daemon restarts: ${ignored.join(', ')}` : '';
  const retuned = diff.retuned?.length ? `; applied without a restart (only probes, restart, stop, doctor, emergency, prediction or drillable changed): ${diff.retuned.join(', ')}` : '';
  const waitedStop = diff.waitedForStop?.length
    ? `; applied once the stop under way ended (its restart finishes with the new settings): ${diff.waitedForStop.map((w) => `${w.name} (waited ${(w.ms / 1000).toFixed(1)} s)`).join(', ')}`
    : '';
  const slow = diff.notHealthy?.length ? `; not healthy in time after their replacement: ${diff.notHealthy.join(', ')}` : '';
  const kept = diff.kept?.length ? `; rollout stopped, still on the previous settings (reload again once the cause is fixed): ${diff.kept.join(', ')}` : '';
  const c = diff.cutShort;
  const cutText = c ? `; cut short by the daemon's shutdown${c.while ? `, while ${c.while} was starting` : ''}${c.notApplied.length > 0 ? `; not applied: ${c.notApplied.join(', ')}` : ''}` : '';
  const failed = (diff.notHealthy?.length ?? 0) + (diff.kept?.length ?? 0) > 0 || c !== undefined;
  const dropped = stale.length > 0 ? `; scale overrides dropped (the file's instances changed): ${stale.join(', ')}` : '';
  const warned = loaded.warnings.length > 0 ? `; warning: ${loaded.warnings.join('; ')}` : '';
  const message = `config reloaded from ${ctx.configFile}: ${diffIsEmpty(diff) ? 'no service changed' : summary}${retuned}${waitedStop}${notifyNote}${notApplied}${dropped}${slow}${kept}${cutText}${warned}`;
  ctx.emit({
    type: 'config.reloaded',
    time: now(),
    severity: ignored.length > 0 || failed ? 'warning' : 'info',
    message,
    details: {
      file: ctx.configFile,
      by,
      added: diff.added.map((s) => s.name),
      removed: diff.removed,
      changed: diff.changed.map((s) => s.name),
      untouched: diff.untouched,
      retuned: diff.retuned ?? [],
      notApplied: ignored,
      overridesDropped: stale,
      notHealthy: diff.notHealthy ?? [],
      kept: diff.kept ?? [],
      ...(c ? { shutdown: true, cutShort: c } : {}),
    },
  });
  // A rollout that stopped is no success for a deploy script (the CLI exits 1), though the rest was applied.
  return { status: c ? 503 : failed ? 409 : 200, body: { ok: !failed, message, notHealthy: diff.notHealthy ?? [], kept: diff.kept ?? [], added: diff.added.map((s) => s.name), removed: diff.removed, changed: diff.changed.map((s) => s.name), untouched: diff.untouched, notApplied: ignored } };
}
