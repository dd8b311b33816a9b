// The config probe: the service's config file still parses and, optionally, its own validator accepts it.
import { detectFormat, parseConfigText, readServiceConfigFile, sha256 } from '../platform/config-file.js';
import { FileTooLargeError, NotRegularFileError } from '../platform/read-regular.js';
import type { ProbeConfigOf } from './probe-schema.js';
import type { Probe, ProbeResult, ProbeTarget } from './probe-types.js';
import { runCommand } from './run-command.js';

const OUTPUT_TAIL = 500;

export function createConfigProbe(config: ProbeConfigOf<'config'>): Probe {
  return {
    kind: 'config',
    async check(target: ProbeTarget, signal: AbortSignal): Promise<ProbeResult> {
      const file = config.path ?? target.configFile?.path;
      if (file === undefined) return { status: 'unknown', message: 'no config file to check (set configFile on the service or path on the probe)' };
      const format = detectFormat(file, config.format ?? target.configFile?.format);
      const validateCommand = config.validateCommand ?? target.configFile?.validateCommand;

      let data: Buffer;
      try {
        data = await readServiceConfigFile(file);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return { status: 'failure', finding: 'config-missing', message: `config file ${file} is missing`, details: { path: file, format } };
        // Not a config file at all (a FIFO, a device, a directory, a link to one, 2 GiB): the service cannot read it either.
        if (err instanceof NotRegularFileError) return { status: 'failure', finding: 'config-invalid', message: `config file ${file} is ${err.kind} in place of the file`, details: { path: file, format, found: err.kind } };
        if (err instanceof FileTooLargeError) return { status: 'failure', finding: 'config-invalid', message: err.message, details: { path: file, format, bytes: err.size, maxBytes: err.maxBytes } };
        if (signal.aborted) return { status: 'unknown', message: `reading ${file} did not finish in time` };
        return { status: 'unknown', message: `cannot read ${file}: ${(err as Error).message}`, details: { path: file, code: code ?? null } };
      }
      const checksum = sha256(data);
      const base = { path: file, format, sha256: checksum, bytes: data.length };
      const parsed = parseConfigText(data.toString('utf8'), format);
      if (!parsed.ok) {
        return { status: 'failure', finding: 'config-invalid', message: `${file} does not parse as ${format}: ${parsed.error}`, details: { ...base, error: parsed.error } };
      }
      if (validateCommand === undefined) return { status: 'success', message: `${file} parses as ${format}`, details: base };

      const argv = validateCommand.map((a) => a.split('{file}').join(file));
      const outcome = await runCommand(argv, { signal, ...(target.env ? { env: target.env } : {}) });
      if (outcome.kind === 'spawn-error') {
        return { status: 'unknown', message: `cannot run the validator ${argv[0]}: ${outcome.code ?? outcome.message}`, details: { ...base, command: argv } };
      }
      if (outcome.kind === 'aborted') {
        return { status: 'unknown', message: `the validator ${argv[0]} did not finish in time`, details: { ...base, command: argv } };
      }
      if (outcome.code === 0) return { status: 'success', message: `${file} parses as ${format} and ${argv[0]} accepts it`, details: base };
      const output = (outcome.stderr.trim() || outcome.stdout.trim()).slice(-OUTPUT_TAIL);
      return {
        status: 'failure',
        finding: 'config-invalid',
        message: `the validator ${argv[0]} rejected ${file} (${outcome.code === null ? `signal ${outcome.signal}` : `exit ${outcome.code}`})${output ? `: ${output}` : ''}`,
        details: { ...base, command: argv, exitCode: outcome.code, output },
      };
    },
  };
}
