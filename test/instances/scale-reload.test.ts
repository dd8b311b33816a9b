// Scale up and down, kept across a daemon restart; config reload with an invalid, an added, a changed and untouched services.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { FIXTURES, NODE, markServices, startTestDaemon, type TestDaemon } from '../helpers/daemon.js';
import { isAlive, waitFor } from '../helpers/processes.js';
import { INSTANCE_SERVER, freePortRun, pidsOf, waitHealthy, webService, whoIsOn } from './instance-helpers.js';

let td: TestDaemon | undefined;
afterEach(async () => {
  await td?.stop();
  td = undefined;
});

const sleeper = (name: string, env: Record<string, string> = {}) => ({ name, command: [NODE, path.join(FIXTURES, 'sleeper.mjs')], env });

describe('clawback scale', () => {
  it('scales up and down on real processes; untouched instances keep their pid; the count survives a daemon restart', async () => {
    const base = await freePortRun(4);
    td = await startTestDaemon({ services: [webService(base, 2), sleeper('side')] });
    const d = td.daemon;
    await waitHealthy(d, ['web:0', 'web:1']);
    expect(await whoIsOn(base + 1)).toMatchObject({ instance: '1' });
    const before = pidsOf(d);

    const up = await d.command('/api/services/web/scale', new URLSearchParams({ instances: '4', by: 'test' }));
    expect(up?.status).toBe(200);
    expect(up?.body.message).toContain('scaled from 2 to 4');
    await waitHealthy(d, ['web:0', 'web:1', 'web:2', 'web:3']);
    expect(await whoIsOn(base + 3)).toMatchObject({ instance: '3' });
    const after = pidsOf(d);
    expect([after['web:0'], after['web:1'], after.side]).toEqual([before['web:0'], before['web:1'], before.side]);
    expect(td.events.some((e) => e.type === 'service.scaled' && e.severity === 'info' && e.details?.to === 4)).toBe(true);
    const group = await d.action('web', 'restart');
    expect(group).toMatchObject({ status: 404, message: expect.stringContaining('web runs as web:0, web:1, web:2, web:3') });

    const down = await d.command('/api/services/web/scale', new URLSearchParams({ instances: '1', by: 'test' }));
    expect(down?.status).toBe(200);
    expect([...d.runtimes.keys()].sort()).toEqual(['side', 'web:0']);
    for (const n of ['web:1', 'web:2', 'web:3']) expect(isAlive(after[n]!)).toBe(false);
    expect(await whoIsOn(base + 2)).toBeNull();
    expect(pidsOf(d)['web:0']).toBe(before['web:0']);
    expect(JSON.parse(readFileSync(path.join(td.stateDir, 'scale.json'), 'utf8')).services.web).toMatchObject({ instances: 1, fileInstances: 2 });
    const stateKeys = (): string => Object.keys(JSON.parse(readFileSync(path.join(td!.stateDir, 'state.json'), 'utf8')).services).sort().join(',');
    await waitFor(() => stateKeys() === 'side,web:0', { message: () => `state.json services side,web:0 (now ${stateKeys()})` });

    // Bad requests name the field and the bounds.
    const bad = await d.command('/api/services/web/scale', new URLSearchParams({ instances: '99' }));
    expect(bad).toMatchObject({ status: 400, body: { message: expect.stringContaining('instances: expected a whole number from 1 to 64') } });
    const plain = await d.command('/api/services/side/scale', new URLSearchParams({ instances: '2' }));
    expect(plain).toMatchObject({ status: 409, body: { message: expect.stringContaining('instances: 1') } });
    const unknown = await d.command('/api/services/nope/scale', new URLSearchParams({ instances: '2' }));
    expect(unknown?.status).toBe(404);

    // A new daemon on the same state directory runs the scaled count, not the file's.
    const dir = td.dir;
    await td.stop();
    td = await startTestDaemon({ services: [] }, { dir });
    expect([...td.daemon.runtimes.keys()].sort()).toEqual(['side', 'web:0']);
    await waitHealthy(td.daemon, ['web:0']);
  }, 90_000);

  it('an unreadable scale.json is kept as evidence and said, not silently dropped and then overwritten by the next scale', async () => {
    const base = await freePortRun(3);
    td = await startTestDaemon({ services: [webService(base, 1)] });
    expect((await td.daemon.command('/api/services/web/scale', new URLSearchParams({ instances: '3', by: 'test' })))?.status).toBe(200);
    const dir = td.dir;
    const stateDir = td.stateDir;
    await td.stop();
    const file = path.join(stateDir, 'scale.json');
    const torn = readFileSync(file, 'utf8').slice(0, 40);
    writeFileSync(file, torn);
    td = await startTestDaemon({ services: [] }, { dir });
    const d = td.daemon;
    // The file's count applies, and the daemon says why.
    expect([...d.runtimes.keys()]).toEqual(['web:0']);
    const ev = await waitFor(() => td!.events.find((e) => e.type === 'daemon.fault' && e.details?.effect === 'scale-file'), { timeoutMs: 5_000 });
    expect(ev).toMatchObject({ severity: 'warning', message: expect.stringContaining('scale.json was unreadable') });
    const kept = readdirSync(stateDir).filter((f) => f.startsWith('scale.json.corrupt-'));
    expect(kept).toHaveLength(1);
    expect(readFileSync(path.join(stateDir, kept[0]!), 'utf8')).toBe(torn);
    // A torn file found at a later write is moved aside too, never overwritten.
    writeFileSync(file, torn);
    expect((await d.command('/api/services/web/scale', new URLSearchParams({ instances: '2', by: 'test' })))?.status).toBe(200);
    expect(readdirSync(stateDir).filter((f) => f.startsWith('scale.json.corrupt-')).length).toBe(2);
    expect(JSON.parse(readFileSync(file, 'utf8')).services.web).toMatchObject({ instances: 2 });
  }, 60_000);
});

describe('clawback reload (the config file)', () => {
  it('invalid changes nothing; valid adds, removes and changes services; untouched keep their pid', async () => {
    const base = await freePortRun(3);
    td = await startTestDaemon({ services: [webService(base, 2), sleeper('keep'), sleeper('change', { V: '1' }), sleeper('drop')] });
    const d = td.daemon;
    await waitHealthy(d, ['web:0', 'web:1', 'keep', 'change', 'drop']);
    const before = pidsOf(d);
    const file = td.configFile;
    const good = YAML.parse(readFileSync(file, 'utf8')) as { services: Array<Record<string, unknown>> };

    // Invalid: a probe interval that is no duration. Nothing changes; a warning names the field.
    const broken = structuredClone(good);
    (broken.services[1] as Record<string, unknown>).restart = { stableAfter: 'soon' };
    writeFileSync(file, YAML.stringify(broken));
    const refused = await d.command('/api/reload', new URLSearchParams({ by: 'test' }));
    expect(refused?.status).toBe(400);
    expect(String(refused?.body.message)).toContain('services[1].restart.stableAfter');
    const warning = td.events.find((e) => e.type === 'config.reload-failed');
    expect(warning?.severity).toBe('warning');
    expect(warning?.message).toContain('services[1].restart.stableAfter');
    expect(pidsOf(d)).toEqual(before);

    // Valid: "drop" removed, "change" changed, "added" added, web grows to 3 (file), "keep" and web:0/1 untouched.
    const next = markServices({
      services: [webService(base, 3), sleeper('keep'), sleeper('change', { V: '2' }), sleeper('added')],
    });
    writeFileSync(file, YAML.stringify(next));
    const applied = await d.command('/api/reload', new URLSearchParams({ by: 'test' }));
    expect(applied?.status).toBe(200);
    expect(applied?.body).toMatchObject({ added: ['web:2', 'added'], removed: ['drop'], changed: ['change'] });
    expect((applied?.body.untouched as string[]).sort()).toEqual(['keep', 'web:0', 'web:1']);
    await waitHealthy(d, ['web:2', 'added', 'change']);
    const after = pidsOf(d);
    expect([after.keep, after['web:0'], after['web:1']]).toEqual([before.keep, before['web:0'], before['web:1']]);
    expect(after.change).not.toBe(before.change);
    expect(isAlive(before.change!)).toBe(false);
    expect(isAlive(before.drop!)).toBe(false);
    expect(d.runtimes.has('drop')).toBe(false);
    expect(await whoIsOn(base + 2)).toMatchObject({ instance: '2' });
    const reloaded = td.events.find((e) => e.type === 'config.reloaded');
    expect(reloaded?.severity).toBe('info');
    expect(reloaded?.message).toContain('added web:2, added; removed drop; changed change; 3 untouched');

    // Status shows the instances with their group and instance label.
    const status = d.status() as { services: Array<{ name: string; group?: string; instance?: number }> };
    expect(status.services.find((s) => s.name === 'web:2')).toMatchObject({ group: 'web', instance: 2 });
    expect(status.services.find((s) => s.name === 'keep')?.group).toBeUndefined();
    expect(existsSync(path.join(td.stateDir, 'logs', 'web:2.log'))).toBe(true);
  }, 90_000);

  it('a changed service keeps what a person set: stopped by hand stays stopped, started by hand (autostart: false) runs on', async () => {
    const manual = { ...sleeper('manual', { V: '1' }), autostart: false };
    td = await startTestDaemon({ services: [sleeper('halted', { V: '1' }), manual] });
    const d = td.daemon;
    await waitHealthy(d, ['halted']);
    expect((await d.action('manual', 'start')).ok).toBe(true);
    expect((await d.action('halted', 'stop')).ok).toBe(true);
    await waitHealthy(d, ['manual']);
    const started = pidsOf(d).manual!;
    writeFileSync(td.configFile, YAML.stringify(markServices({ services: [sleeper('halted', { V: '2' }), { ...manual, env: { V: '2' } }] })));
    const r = await d.command('/api/reload', new URLSearchParams({ by: 'test' }));
    expect(r?.body).toMatchObject({ changed: ['halted', 'manual'] });
    await waitHealthy(d, ['manual']);
    expect(isAlive(started)).toBe(false);
    expect(pidsOf(d).manual).not.toBe(started);
    expect(d.runtimes.get('halted')!.status()).toMatchObject({ state: 'stopped', pid: null });
    expect(td.events.filter((e) => e.type === 'service.started' && e.service === 'halted')).toHaveLength(1);
  }, 60_000);

  it('a service added by a reload starts once what it depends on is healthy, as at boot', async () => {
    const base = await freePortRun(1);
    td = await startTestDaemon({ services: [sleeper('keep')] });
    const d = td.daemon;
    await waitHealthy(d, ['keep']);
    // db answers its probe only ~2 s after it starts; api depends on it.
    const db = {
      name: 'db',
      command: [NODE, INSTANCE_SERVER, String(base)],
      env: { LISTEN_DELAY_MS: '2000' },
      stop: { grace: '2s' },
      probes: [{ kind: 'http', url: `http://127.0.0.1:${base}/`, interval: '200ms', timeout: '1s', failureThreshold: 2, startupGrace: '10s' }],
    };
    writeFileSync(td.configFile, YAML.stringify(markServices({ services: [sleeper('keep'), { ...sleeper('api'), dependsOn: ['db'] }, db] })));
    const applied = await d.command('/api/reload', new URLSearchParams({ by: 'test' }));
    expect(applied?.status).toBe(200);
    expect(applied?.body).toMatchObject({ added: ['api', 'db'] });
    await waitHealthy(d, ['db', 'api']);
    const at = (type: string, service: string): number => td!.events.find((e) => e.type === type && e.service === service)!.time;
    expect(at('service.started', 'api')).toBeGreaterThanOrEqual(at('service.healthy', 'db'));
    expect(at('service.healthy', 'db') - at('service.started', 'db')).toBeGreaterThanOrEqual(1500);
    expect(td.events.some((e) => e.service === 'api' && /not healthy after/.test(e.message))).toBe(false);
  }, 60_000);

  it('a scale override gives way when the file\'s instances change (the file wins)', async () => {
    const base = await freePortRun(3);
    td = await startTestDaemon({ services: [webService(base, 1)] });
    const d = td.daemon;
    await waitHealthy(d, ['web:0']);
    expect((await d.command('/api/services/web/scale', new URLSearchParams({ instances: '3' })))?.status).toBe(200);
    // Reload with the same file: the override holds.
    expect((await d.command('/api/reload', new URLSearchParams()))?.body.message).toContain('no service changed');
    expect(d.runtimes.size).toBe(3);
    writeFileSync(td.configFile, YAML.stringify(markServices({ services: [webService(base, 2)] })));
    const r = await d.command('/api/reload', new URLSearchParams());
    expect(r?.body.message).toContain('scale overrides dropped');
    expect([...d.runtimes.keys()].sort()).toEqual(['web:0', 'web:1']);
    await waitFor(() => !existsSync(path.join(td!.stateDir, 'scale.json')) || !JSON.parse(readFileSync(path.join(td!.stateDir, 'scale.json'), 'utf8')).services.web);
  }, 60_000);
});
