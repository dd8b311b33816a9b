// The dashboard handler serves exactly its asset files, read once, and fails loudly without them.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDashboard, dashboardAssetDirs, findDashboardAssetDir } from '../../src/server/dashboard.js';
import { tempDir } from '../helpers/daemon.js';

describe('createDashboard', () => {
  it('finds the source asset directory and serves the page, script, style and icon', () => {
    expect(findDashboardAssetDir()).toBe(dashboardAssetDirs()[0]);
    const serve = createDashboard();
    const page = serve('/')!;
    expect(page.type).toBe('text/html; charset=utf-8');
    const html = page.body.toString();
    expect(html).toContain('<script src="/app.js" defer></script>');
    expect(html).not.toMatch(/<script>(?!<)/); // no inline script (the CSP forbids it)
    expect(html).not.toMatch(/https?:\/\//); // no CDN or external font
    expect(serve('/app.js')!.type).toContain('javascript');
    expect(serve('/app.css')!.type).toContain('text/css');
    expect(serve('/favicon.svg')!.type).toBe('image/svg+xml');
    expect(serve('/favicon.ico')!.type).toBe('image/svg+xml');
  });

  it('answers undefined for anything else (the API server then sends 404)', () => {
    const serve = createDashboard();
    for (const p of ['/api/status', '/../package.json', '/app.js.map', '/dashboard/index.html', '']) expect(serve(p)).toBeUndefined();
  });

  it('reads the files once, at creation', () => {
    const dir = tempDir('clawback-dash-');
    const assets = path.join(dir, 'assets');
    mkdirSync(assets);
    for (const f of ['index.html', 'app.js', 'app.css', 'favicon.svg']) writeFileSync(path.join(assets, f), `first ${f}`);
    const serve = createDashboard(assets);
    writeFileSync(path.join(assets, 'app.js'), 'second');
    expect(serve('/app.js')!.body.toString()).toBe('first app.js');
  });

  it('throws a clear error when an asset is missing', () => {
    const dir = tempDir('clawback-dash-');
    expect(() => createDashboard(dir)).toThrow(/index\.html/);
  });
});
