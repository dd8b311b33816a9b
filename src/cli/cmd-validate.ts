// `clawback validate` and `clawback schema`: check a config file, export the JSON Schema for editors.
import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { loadConfig } from '../config/load.js';
import { ConfigError } from '../config/errors.js';
import { configJsonSchema } from '../config/json-schema.js';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check the config file; exit 0 when valid, 2 when not')
    .action(() => {
      const g = program.opts<{ config?: string; stateDir?: string }>();
      try {
        const loaded = loadConfig({ ...(g.config ? { file: g.config } : {}), ...(g.stateDir ? { stateDir: g.stateDir } : {}) });
        const names = loaded.config.services.map((s) => s.name).join(', ');
        for (const w of loaded.warnings) process.stderr.write(`warning: ${w}\n`);
        process.stdout.write(`${loaded.file ?? '(embedded demo config)'}: valid (${loaded.config.services.length} service(s): ${names})\n`);
      } catch (err) {
        if (err instanceof ConfigError) {
          process.stderr.write(`${err.message}\n`);
          process.exit(2);
        }
        throw err;
      }
    });
  program
    .command('schema')
    .description('print the JSON Schema of the config file (for editor completion)')
    .option('-o, --out <file>', 'write to a file instead of stdout')
    .action((o: { out?: string }) => {
      const text = JSON.stringify(configJsonSchema(), null, 2) + '\n';
      if (o.out) writeFileSync(o.out, text);
      else process.stdout.write(text);
    });
}
