// Exit 78 for a problem only a person can fix (OpenClaw: "Refusing to bind gateway to lan without auth."): no doctor
// run (the real one rewrote the config, switched 30 skills off, and could not help), straight to a human with its words.
import { describe, expect, it } from 'vitest';
import { openclawService } from '../../src/presets/openclaw.js';
import { validateConfig } from '../../src/config/load.js';
import { policyFor } from '../../src/decide/policy.js';
import { testPolicy } from './policy-fixture.js';
import { ReducerDrive } from './drive.js';

// The real gateway's last lines (openclaw 2026.9.6, `gateway run --bind lan`, no auth, in a container), exit 78 after 5.3 s.
const REFUSED_TAIL = [
  '\u001b[90m2026-12-05T01:51:57.657+00:00\u001b[39m \u001b[36m[gateway]\u001b[39m \u001b[36mloading configuration…\u001b[39m',
  '\u001b[90m2026-12-05T01:51:57.867+00:00\u001b[39m \u001b[36m[gateway]\u001b[39m \u001b[36mresolving authentication…\u001b[39m',
  '2026-12-05T01:51:57.878+00:00 Refusing to bind gateway to lan without auth.',
  'Container environment detected — the gateway defaults to bind=auto (0.0.0.0) for port-forwarding compatibility.',
  'Set OPENCLAW_GATEWAY_TOKEN or OPENCLAW_GATEWAY_PASSWORD, or pass --token/--password to start with auth.',
];

const presetPattern = (): string => (openclawService().restart as { humanOnlyPattern: string }).humanOnlyPattern;

function exit78(d: ReducerDrive, lastLines: string[]): void {
  d.at(0, { type: 'boot', adopted: null });
  d.at(0, { type: 'started', instance: { pid: 100, pidStartTime: 1, startedAt: 0 }, reason: 'boot' });
  d.at(5_300, { type: 'exited', pid: 100, code: 78, signal: null, at: 5_300, statusKnown: true, lastLines });
}

describe('an exit only a person can fix', () => {
  it('the preset names it, and the loaded config carries it to the policy', () => {
    const cfg = validateConfig({ services: [openclawService({ openclaw: ['openclaw'], home: '/tmp/x' })] }, 'clawback.yaml');
    expect(policyFor(cfg.services[0]!, { doctor: true, agent: false }).humanOnlyPattern).toBe(presetPattern());
  });

  it("exit 78 with the gateway's refusal: Level 4 at once, no doctor run, its own sentence in the alert", () => {
    const d = new ReducerDrive(testPolicy({ humanOnlyPattern: presetPattern() }));
    exit78(d, REFUSED_TAIL);
    expect(d.types()).not.toContain('run-doctor');
    expect(d.types()).not.toContain('start');
    expect(d.state.incident?.status).toBe('waiting-human');
    expect(d.state.incident?.level).toBe(4);
    expect(d.state.held?.reason).toBe('config');
    const alert = d.events('incident.escalated')[0]!;
    expect(alert.message).toContain('only a person can fix this, gw said: 2026-12-05T01:51:57.878+00:00 Refusing to bind gateway to lan without auth.');
    expect(alert.message).toContain('Set OPENCLAW_GATEWAY_TOKEN or OPENCLAW_GATEWAY_PASSWORD');
    expect((alert.details as { reason: string }).reason).not.toContain('\u001b[');
  });

  it('another exit 78 (a broken config) still goes to the doctor, and so does a config without the pattern', () => {
    const broken = new ReducerDrive(testPolicy({ humanOnlyPattern: presetPattern() }));
    exit78(broken, ['Invalid config at /x/openclaw.json: gateway.port: expected number']);
    expect(broken.types()).toContain('run-doctor');
    const older = new ReducerDrive(testPolicy());
    exit78(older, REFUSED_TAIL);
    expect(older.types()).toContain('run-doctor');
  });

  it('the words with another exit code are no reason to skip the restarts', () => {
    const d = new ReducerDrive(testPolicy({ humanOnlyPattern: presetPattern() }));
    d.at(0, { type: 'boot', adopted: null });
    d.at(0, { type: 'started', instance: { pid: 100, pidStartTime: 1, startedAt: 0 }, reason: 'boot' });
    d.at(5_300, { type: 'exited', pid: 100, code: 1, signal: null, at: 5_300, statusKnown: true, lastLines: REFUSED_TAIL });
    expect(d.state.incident?.status).toBe('open');
    expect(d.state.incident?.level).toBe(0);
  });

  it('the words in the alert are plain text: a cursor move, an erase or a hyperlink (OSC 8) in the line is no part of them', () => {
    const d = new ReducerDrive(testPolicy({ humanOnlyPattern: presetPattern() }));
    exit78(d, [
      '\u001b[2K\u001b[1GRefusing to bind gateway to lan without auth.',
      'See \u001b]8;;https://docs.openclaw.ai/gateway\u0007the docs\u001b]8;;\u0007\u0007 to set a token.',
    ]);
    const alert = d.events('incident.escalated')[0]!;
    expect(alert.message).toContain('gw said: Refusing to bind gateway to lan without auth. See the docs to set a token.');
    expect((alert.details as { reason: string }).reason).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
  });
});
