// The gateway's own systemd unit or LaunchAgent beside Clawback: found, described, reported by `clawback doctor`, never touched.
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { serviceSchema } from '../../src/config/schema.js';
import { describeOtherSupervisor, findOtherSupervisors } from '../../src/openclaw/other-supervisor.js';
import { otherSupervisorRule } from '../../src/openclaw/rule-other-supervisor.js';
import { runDoctor } from '../../src/doctor/run-doctor.js';
import { SnapshotStore } from '../../src/doctor/snapshot-store.js';
import { systemClock } from '../../src/platform/clock.js';
import { tempDir } from '../helpers/daemon.js';

const UNIT = '[Unit]\nDescription=OpenClaw Gateway\n[Service]\nExecStart=/usr/bin/openclaw gateway run\nRestart=always\n';

function home(): string {
  return path.join(tempDir('clawback-oc-home-'), 'home');
}

function svc(over: Record<string, unknown> = {}) {
  return serviceSchema.parse({ name: 'openclaw-gateway', command: ['openclaw', 'gateway', 'run'], openclaw: { cli: ['openclaw'] }, ...over });
}

describe('another supervisor', () => {
  it('finds an enabled systemd user unit (linked into default.target.wants) and an installed but disabled LaunchAgent', () => {
    const h = home();
    const dir = path.join(h, '.config', 'systemd', 'user');
    mkdirSync(path.join(dir, 'default.target.wants'), { recursive: true });
    writeFileSync(path.join(dir, 'openclaw-gateway.service'), UNIT);
    symlinkSync(path.join(dir, 'openclaw-gateway.service'), path.join(dir, 'default.target.wants', 'openclaw-gateway.service'));
    writeFileSync(path.join(dir, 'other.service'), UNIT);
    const la = path.join(h, 'Library', 'LaunchAgents');
    mkdirSync(la, { recursive: true });
    writeFileSync(path.join(la, 'ai.openclaw.gateway.plist'), '<plist><dict><key>Label</key><string>ai.openclaw.gateway</string><key>Disabled</key><true/></dict></plist>');
    const found = findOtherSupervisors(svc(), [h]);
    expect(found).toEqual([
      { manager: 'systemd', unit: 'openclaw-gateway.service', path: path.join(dir, 'openclaw-gateway.service'), enabled: true },
      { manager: 'launchd', unit: 'ai.openclaw.gateway', path: path.join(la, 'ai.openclaw.gateway.plist'), enabled: false },
    ]);
    expect(describeOtherSupervisor(found[0]!, 'openclaw-gateway')).toMatch(/systemd user unit openclaw-gateway.service is enabled .*Clawback leaves it alone: disable it \(systemctl --user disable --now openclaw-gateway.service\)/);
    // A unit installed but not enabled is still named (it can be started by hand).
    const h2 = home();
    mkdirSync(path.join(h2, '.config', 'systemd', 'user'), { recursive: true });
    writeFileSync(path.join(h2, '.config', 'systemd', 'user', 'openclaw-gateway.service'), UNIT);
    expect(findOtherSupervisors(svc(), [h2])).toMatchObject([{ enabled: false }]);
  });

  it("finds the gateway's documented system unit (/etc/systemd/system, User=) and the vendor folders' copies", () => {
    // Stand-ins for /etc/systemd/system and /usr/lib/systemd/system (the gateway docs' "Linux (system service)").
    const root = tempDir('clawback-oc-sys-');
    const etc = path.join(root, 'etc', 'systemd', 'system');
    const vendor = path.join(root, 'usr', 'lib', 'systemd', 'system');
    mkdirSync(path.join(etc, 'multi-user.target.wants'), { recursive: true });
    mkdirSync(vendor, { recursive: true });
    writeFileSync(path.join(etc, 'openclaw-gateway.service'), `${UNIT}User=ann\n[Install]\nWantedBy=multi-user.target\n`);
    symlinkSync(path.join(etc, 'openclaw-gateway.service'), path.join(etc, 'multi-user.target.wants', 'openclaw-gateway.service'));
    writeFileSync(path.join(vendor, 'openclaw-gateway-work.service'), UNIT);
    const found = findOtherSupervisors(svc(), [home()], [etc, vendor]);
    expect(found).toEqual([{ manager: 'systemd', unit: 'openclaw-gateway.service', path: path.join(etc, 'openclaw-gateway.service'), enabled: true, system: true }]);
    expect(describeOtherSupervisor(found[0]!, 'openclaw-gateway')).toMatch(/systemd system unit openclaw-gateway.service is enabled .*disable it \(sudo systemctl disable --now openclaw-gateway.service\)/);
    // A profile's system unit in a vendor folder, not enabled (no link in the admin folder's *.wants).
    expect(findOtherSupervisors(svc({ env: { OPENCLAW_PROFILE: 'work' } }), [home()], [etc, vendor])).toEqual([
      { manager: 'systemd', unit: 'openclaw-gateway-work.service', path: path.join(vendor, 'openclaw-gateway-work.service'), enabled: false, system: true },
    ]);
  });

  it("looks for a profile's own unit, and never for a gateway Clawback supervises through that very unit (external)", () => {
    const h = home();
    const dir = path.join(h, '.config', 'systemd', 'user');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'openclaw-gateway-work.service'), UNIT);
    expect(findOtherSupervisors(svc(), [h])).toEqual([]);
    expect(findOtherSupervisors(svc({ env: { OPENCLAW_PROFILE: 'work' } }), [h])).toMatchObject([{ unit: 'openclaw-gateway-work.service' }]);
    const external = serviceSchema.parse({ name: 'openclaw-gateway', openclaw: { cli: ['openclaw'] }, external: { pidCommand: ['systemctl', '--user', 'show'], restartCommand: ['systemctl', '--user', 'restart', 'openclaw-gateway-work.service'] }, env: { OPENCLAW_PROFILE: 'work' } });
    expect(findOtherSupervisors(external, [h])).toEqual([]);
  });

  it('`clawback doctor` lists it as a finding it does not fix, and the unit file is left as it was', async () => {
    const h = home();
    const dir = path.join(h, '.config', 'systemd', 'user');
    mkdirSync(dir, { recursive: true });
    const unit = path.join(dir, 'openclaw-gateway.service');
    writeFileSync(unit, UNIT);
    const stateDir = tempDir('clawback-oc-doctor-');
    const service = svc({ env: { HOME: h } });
    const report = await runDoctor(
      { service, stateDir, clock: systemClock(), snapshots: new SnapshotStore(path.join(stateDir, 'snapshots', service.name), { keep: 3 }), emit: () => undefined },
      { fix: true, rules: [otherSupervisorRule((s) => findOtherSupervisors(s, [h]))] },
    );
    expect(report.findings).toEqual([expect.objectContaining({ rule: 'openclaw-other-supervisor', fixable: false, severity: 'info' })]);
    expect(readFileSync(unit, 'utf8')).toBe(UNIT);
  });
});
