// `env: { API_TOKEN: ${API_TOKEN} }` was valid and silent: the service ran with the text "${API_TOKEN}" in place of the
// token it would have inherited from the daemon. Still passed as written (documented), but validate, the daemon's
// start and a reload now say so, naming the field and the placeholder and never the rest of the value.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/daemon.js';

function warnings(text: string): string[] {
  const file = path.join(tempDir(), 'clawback.yaml');
  writeFileSync(file, text);
  return loadConfig({ file, env: {} }).warnings;
}

describe('${VAR} in a service env value', () => {
  it('is a warning naming the field and the placeholder, never the rest of the value', () => {
    const w = warnings('services:\n  - name: app\n    command: [sleep, "1"]\n    env: { API_TOKEN: "${API_TOKEN}", DSN: "postgres://u:hunter2@db/${DB_NAME}", PLAIN: "x" }\n');
    expect(w).toHaveLength(2);
    expect(w[0]).toContain('services[0].env.API_TOKEN: ${API_TOKEN} is passed to the service as written (environment variables are not expanded');
    expect(w[0]).toContain("without this line the service inherits the daemon's API_TOKEN");
    expect(w[1]).toContain('services[0].env.DSN: ${DB_NAME} is passed');
    expect(w.join('\n')).not.toContain('hunter2');
  });

  it('without inheritEnv there is nothing it replaces; values without placeholders raise nothing', () => {
    const w = warnings('services:\n  - { name: app, command: [sleep, "1"], inheritEnv: false, env: { T: "${T}" } }\n');
    expect(w).toHaveLength(1);
    expect(w[0]).not.toContain('inherits');
    expect(warnings('services:\n  - { name: app, command: [sleep, "1"], env: { A: "$HOME", B: "{x}" } }\n')).toEqual([]);
  });

  it('with a default or an error message (`${X:-d}`, `${X-d}`, `${X:?why}`) too, the default never shown', () => {
    const w = warnings('services:\n  - { name: app, command: [sleep, "1"], env: { A: "${DB_URL:-postgres://u:hunter2@h/x}", B: "${B-x}", C: "${C:?set C}", D: "pa$word", E: "^a.*$" } }\n');
    expect(w).toHaveLength(3);
    expect(w[0]).toContain('services[0].env.A: ${DB_URL} is passed to the service as written');
    expect(w[1]).toContain('services[0].env.B: ${B} is passed');
    expect(w[2]).toContain('services[0].env.C: ${C} is passed');
    expect(w.join('\n')).not.toContain('hunter2');
  });

  it('a compose escape `$${X}` is said as passed with both dollars (there is no escape), not as ${X} unset', () => {
    const w = warnings('services:\n  - { name: app, command: [sleep, "1"], env: { FOO: "$${FOO}" } }\n');
    expect(w).toHaveLength(1);
    expect(w[0]).toContain('services[0].env.FOO: $${FOO} is passed to the service as written, both dollars kept (nothing in the config is expanded, so there is no $$ escape); expected ${FOO} for that text, or the value itself');
  });

  it('validate says it on stderr and exits 0', async () => {
    const file = path.join(tempDir(), 'clawback.yaml');
    writeFileSync(file, 'services:\n  - { name: app, command: [sleep, "1"], env: { API_TOKEN: "${API_TOKEN}" } }\n');
    const r = await runCli(['validate', '-c', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('warning: service "app": services[0].env.API_TOKEN: ${API_TOKEN} is passed to the service as written');
  });
});
