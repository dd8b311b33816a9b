// `clawback validate` and `clawback schema`: check a config file, export the JSON Schema for editors.
import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import { ConfigError, problemData } from '../config/errors.js';
import { jsonErrorLine } from './json-error.js';
import { configJsonSchema } from '../config/json-schema.js';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check the config file; exit 0 when valid, 2 when not')
    .option('--json', 'print the result as one JSON object: {"ok":true,"file","services","warnings"}, or the error with problems[{field,message,expected,value}]')
    .action((o: { json?: boolean }) => {
      const g = program.opts<{ config?: string; stateDir?: string }>();
      try {
        const loaded = loadConfig({ ...(g.config ? { file: g.config } : {}), ...(g.stateDir ? { stateDir: g.stateDir } : {}) });
        const names = loaded.config.services.map((s) => s.name);
        for (const w of loaded.warnings) process.stderr.write(`warning: ${w}\n`);
        if (o.json) process.stdout.write(JSON.stringify({ ok: true, file: loaded.file ?? null, services: names, warnings: loaded.warnings }) + '\n');
        else process.stdout.write(`${loaded.file ?? '(embedded demo config)'}: valid (${names.length} service(s): ${names.join(', ')})\n`);
      } catch (err) {
        if (err instanceof ConfigError) {
          process.stderr.write(`${err.message}\n`);
          // A script gets each finding as data (field, expected, value) instead of parsing the indented lines.
          if (o.json) {
            const line = JSON.parse(jsonErrorLine('invalid-config', err.message, 2)) as Record<string, unknown>;
            process.stdout.write(JSON.stringify({ ...line, file: err.file, problems: err.problems.map(problemData) }) + '\n');
          }
          process.exit(2);
        }
        throw err;
      }
    });
  program
    .command('schema')
    .description('print the JSON Schema of the config file (for editor completion)')
    .option('-o, --out <file>', 'write to a file instead of stdout')
    .option('--json', 'the schema on one line (as every other --json answer); with --out, {"ok":true,"file":…}')
    .action((o: { out?: string; json?: boolean }) => {
      const text = (o.json ? JSON.stringify(configJsonSchema()) : JSON.stringify(configJsonSchema(), null, 2)) + '\n';
      if (o.out) {
        writeFileSync(o.out, JSON.stringify(configJsonSchema(), null, 2) + '\n');
        if (o.json) process.stdout.write(JSON.stringify({ ok: true, file: path.resolve(o.out) }) + '\n');
      } else process.stdout.write(text);
    });
}
