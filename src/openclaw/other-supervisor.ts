// Finds the gateway's own service-manager entry (systemd user unit, LaunchAgent) beside Clawback: reported, never touched.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ServiceConfig } from '../config/schema.js';

export interface OtherSupervisor {
  manager: 'systemd' | 'launchd';
  unit: string;
  path: string;
  /** systemd: linked into a *.wants folder; launchd: not Disabled. */
  enabled: boolean;
  /** A system unit (root's systemd, `User=` in it): the gateway's documented always-on setup. Absent: a user unit. */
  system?: true;
}

/**
 * Where a system unit of the gateway lives (its docs: /etc/systemd/system/openclaw-gateway[-<profile>].service; the
 * gateway's own scope discovery also looks in the vendor folders). Enablement links are in the first.
 */
export const SYSTEM_UNIT_DIRS = ['/etc/systemd/system', '/usr/lib/systemd/system', '/lib/systemd/system'] as const;

import { openclawLaunchdLabel, openclawSystemdUnit } from '../presets/openclaw-external.js';

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** systemd user units of the gateway under `home`, enabled when some *.wants folder links them. */
function systemdUnits(home: string, profile?: string): OtherSupervisor[] {
  const dir = path.join(home, '.config', 'systemd', 'user');
  const units = list(dir).filter((f) => f === openclawSystemdUnit(profile));
  const wants = list(dir).filter((f) => f.endsWith('.wants'));
  return units.map((unit) => ({
    manager: 'systemd' as const,
    unit,
    path: path.join(dir, unit),
    enabled: wants.some((w) => existsSync(path.join(dir, w, unit))),
  }));
}

/** System units of the gateway, enabled when a *.wants folder of the first (admin) folder or its own links them. */
function systemUnits(dirs: readonly string[], profile?: string): OtherSupervisor[] {
  const unit = openclawSystemdUnit(profile);
  const wantsIn = (dir: string) => list(dir).filter((f) => f.endsWith('.wants')).map((w) => path.join(dir, w));
  const wants = [...new Set(dirs.slice(0, 1).flatMap(wantsIn))];
  return dirs
    .filter((dir) => list(dir).includes(unit))
    .map((dir) => ({
      manager: 'systemd' as const,
      unit,
      path: path.join(dir, unit),
      enabled: [...wants, ...wantsIn(dir)].some((w) => existsSync(path.join(w, unit))),
      system: true as const,
    }));
}

/** LaunchAgents of the gateway under `home`; a plist with Disabled true is not enabled. */
function launchAgents(home: string, profile?: string): OtherSupervisor[] {
  const dir = path.join(home, 'Library', 'LaunchAgents');
  return list(dir)
    .filter((f) => f === `${openclawLaunchdLabel(profile)}.plist`)
    .map((f) => {
      const file = path.join(dir, f);
      let text = '';
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        // unreadable: still there
      }
      return { manager: 'launchd' as const, unit: f.replace(/\.plist$/, ''), path: file, enabled: !/<key>Disabled<\/key>\s*<true\s*\/>/.test(text) };
    });
}

/** The homes whose service managers could run this gateway: the gateway's own HOME and the daemon's. */
export function homesOf(service: ServiceConfig, daemonHome = os.homedir()): string[] {
  return [...new Set([service.env.HOME, daemonHome].filter((h): h is string => !!h))];
}

/**
 * The gateway's own service entries that would run it beside Clawback. Empty for a service Clawback does not
 * run itself (`external`: then that manager is the one Clawback works through).
 */
export function findOtherSupervisors(service: ServiceConfig, homes = homesOf(service), systemDirs: readonly string[] = SYSTEM_UNIT_DIRS): OtherSupervisor[] {
  if (service.external) return [];
  const found: OtherSupervisor[] = [];
  const profile = service.env.OPENCLAW_PROFILE || undefined;
  for (const h of homes) found.push(...systemdUnits(h, profile), ...launchAgents(h, profile));
  found.push(...systemUnits(systemDirs, profile));
  const seen = new Set<string>();
  return found.filter((f) => !seen.has(f.path) && (seen.add(f.path), true));
}

export function describeOtherSupervisor(s: OtherSupervisor, service: string): string {
  const what = s.manager === 'systemd' ? `systemd ${s.system ? 'system' : 'user'} unit ${s.unit}` : `LaunchAgent ${s.unit}`;
  const stop =
    s.manager === 'systemd'
      ? s.system
        ? `sudo systemctl disable --now ${s.unit}`
        : `systemctl --user disable --now ${s.unit}`
      : `launchctl bootout gui/$(id -u)/${s.unit} && rm ${s.path}`;
  return `${service}: the gateway's own ${what} is ${s.enabled ? 'enabled' : 'installed (not enabled)'} (${s.path}) while Clawback runs the gateway itself; two supervisors would fight over the port. Clawback leaves it alone: disable it (${stop}) or let Clawback supervise that unit instead (clawback init --preset openclaw --mode external).`;
}
