// `clawback logs|incidents|incident|digest`: what happened, read from the state directory's files.
import type { Command } from 'commander';
import { closeSync, existsSync, fstatSync, readSync, watch } from 'node:fs';
import { NotRegularFileError, openRegularReadSync } from '../platform/read-regular.js';
import { StringDecoder } from 'node:string_decoder';
import { LogFollower, SEEN_BYTES } from './log-follow.js';
import { Redactor, crossLineRedaction } from '../observe/redact.js';
import path from 'node:path';
import { clientStateDir } from './client.js';
import { journalCutText, type JournalScan } from '../observe/journal-read.js';
import { readJournalIncidents, scanJournalWindow } from '../observe/journal-incidents.js';
import type { IncidentSummary } from '../observe/incidents.js';
import { DigestFold, renderDigestStats } from '../observe/digest.js';
import { formatTtr, table } from './format.js';
import { numberOption } from './number-option.js';
import { loadConfig } from '../config/load.js';
import { serviceLogFile } from '../daemon/spawn-spec.js';
import { readDaemonInfoSync } from '../daemon/daemon-info.js';
import { learnServiceSecrets } from '../observe/service-secrets.js';
import { terminalSafe } from './terminal-safe.js';
import { namesFor, unknownServiceText } from '../instances/instance-name.js';
import { cliHint } from './cli-command.js';
import { liveDaemonsText } from './live-daemons-hint.js';
import { configFileFor } from './daemon-config-file.js';
import { LINE_MAX_CHARS, cutPoint } from '../observe/bounded-lines.js';
import { exitWithError } from './json-error.js';
import { failureText } from './fail.js';
import { localStamp } from './local-time.js';
import { unreadableLogText } from '../platform/log-refusal.js';
import { isMissing } from '../platform/errno-words.js';

/** The config of the state directory's daemon (or the one named), with a redactor that knows its services' secrets. */
async function configWithRedactor(g: { config?: string; stateDir?: string }): Promise<{ stateDir: string; redactor: Redactor; file?: string; loaded?: ReturnType<typeof loadConfig>; configError?: unknown }> {
  const stateDir = clientStateDir(g);
  const redactor = new Redactor();
  redactor.addSecretEnv(process.env);
  try {
    const file = configFileFor(g, stateDir);
    const loaded = loadConfig({ ...(file ? { file } : {}), stateDir });
    await learnServiceSecrets(redactor, loaded.config);
    return { stateDir, redactor, ...(file ? { file } : {}), loaded };
  } catch (err) {
    // A config that does not load: the patterns and this environment's secrets still apply.
    return { stateDir, redactor, configError: err };
  }
}

/** Where a service's output goes, whether the config names the service (undefined: no config could be read), and its secrets. */
async function logFileFor(program: Command, name: string): Promise<{ file: string; known: boolean | undefined; names: string[]; redactor: Redactor; configError?: unknown; demoIn?: string }> {
  const { stateDir, redactor, file, loaded, configError } = await configWithRedactor(program.opts<{ config?: string; stateDir?: string }>());
  // An unreadable config: the default location (its error said when that has no log either).
  if (!loaded) return { file: path.join(stateDir, 'logs', `${name}.log`), known: undefined, names: [], redactor, configError };
  const names = loaded.config.services.map((x) => x.name);
  const s = loaded.config.services.find((x) => x.name === name);
  if (s) return { file: serviceLogFile(s, stateDir), known: true, names, redactor };
  // Nothing named or found, no daemon here: the names are the embedded demo's, not those of the person's daemon.
  const demoIn = file === undefined && !readDaemonInfoSync(stateDir).info ? stateDir : undefined;
  return { file: path.join(stateDir, 'logs', `${name}.log`), known: false, names, redactor, ...(demoIn ? { demoIn } : {}) };
}

/**
 * Typed in another directory (nothing names a config, no daemon ran in the state directory, no journal there): the
 * words that say so with the live daemons. `incidents` answered "no incidents in the journal" while the person's daemon
 * journaled its incidents elsewhere.
 */
function noJournalHere(program: Command): string | undefined {
  const g = program.opts<{ config?: string; stateDir?: string }>();
  const stateDir = clientStateDir(g);
  if (configFileFor(g, stateDir) !== undefined || readDaemonInfoSync(stateDir).info || existsSync(path.join(stateDir, 'journal.jsonl'))) return undefined;
  return `no journal in ${stateDir}: no daemon ran there and no config file was named or found (no --config, $CLAWBACK_CONFIG or clawback.yaml in ${process.cwd()}); ${liveDaemonsText()}`;
}

/** Rotated generations looked into at most (file.1 .. file.N). */
const MAX_GENERATIONS = 20;

/** Bytes read from the end of one file at most: a 600 MB log (a flood between two rotations) was read whole and failed. */
const TAIL_BYTES_MAX = 16 * 1024 * 1024;
const TAIL_CHUNK = 64 * 1024;

/**
 * A line of the tail as shown: at most LINE_MAX_CHARS (cut where the log redactor cuts a line it writes in pieces),
 * with how much was left out. A 30 MiB line without a newline was printed whole (16 MiB, the read bound) and took the
 * redaction down ("Maximum call stack size exceeded", nothing printed). `began` false: the read started inside it.
 */
function boundedLine(line: string, began: boolean): string {
  if (line.length <= LINE_MAX_CHARS) return line;
  const kept = line.slice(0, cutPoint(line, LINE_MAX_CHARS));
  return `${kept}${/\s$/.test(kept) ? '' : ' '}[clawback: ${began ? '' : 'at least '}${Buffer.byteLength(line) - Buffer.byteLength(kept)} more bytes of this line not shown]`;
}


/**
 * The last `want` lines of one file, read backwards in chunks (at most TAIL_BYTES_MAX); a partial first line (the read
 * stopped mid-line) is dropped unless it is all there is. Undefined when the file cannot be opened.
 */
function tailLines(file: string, want: number): { lines: string[]; size: number; last: Buffer } | undefined {
  let fd: number;
  try {
    fd = openRegularReadSync(file);
  } catch (err) {
    // A FIFO or a device in the log's place is said, not waited on (a FIFO held the open for ever). Only a missing file
    // is "no output": a log clawback may not read (mode 000, another owner, a link loop) was told "does not exist".
    if (err instanceof NotRegularFileError || !isMissing(err)) throw err;
    return undefined;
  }
  try {
    const size = fstatSync(fd).size;
    const chunks: Buffer[] = [];
    let pos = size;
    let newlines = 0;
    while (pos > 0 && newlines <= want && size - pos < TAIL_BYTES_MAX) {
      const len = Math.min(TAIL_CHUNK, pos, TAIL_BYTES_MAX - (size - pos));
      pos -= len;
      const buf = Buffer.alloc(len);
      const n = readSync(fd, buf, 0, len, pos);
      const got = buf.subarray(0, n);
      chunks.unshift(got);
      for (let i = got.indexOf(10); i >= 0; i = got.indexOf(10, i + 1)) newlines++;
    }
    const read = Buffer.concat(chunks);
    const lines = read.toString('utf8').split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    const partialFirst = pos > 0 && lines.length === 1;
    if (pos > 0 && lines.length > 1) lines.shift();
    const kept = want > 0 ? lines.slice(-want) : [];
    return { lines: kept.map((l, i) => boundedLine(l, !(partialFirst && i === 0))), size, last: Buffer.from(read.subarray(-SEEN_BYTES)) };
  } finally {
    closeSync(fd);
  }
}

/**
 * The last n lines of a service's log, reaching into its rotated generations (file.1 newest, file.2 ...) when the live
 * file holds fewer, as right after a rotation; undefined when neither the live file nor file.1 exists. `liveSize` is
 * where that read of the live file ended (0 when it did not exist): `-f` goes on from there.
 */
export function lastLogLines(file: string, n: number): { text: string | undefined; liveSize: number; liveSeen: Buffer } {
  const taken: string[] = [];
  let found = false;
  let liveSeen: Buffer = Buffer.alloc(0);
  let liveSize = 0;
  for (let g = 0; g <= MAX_GENERATIONS && (taken.length < n || !found); g++) {
    const read = tailLines(g === 0 ? file : `${file}.${g}`, n - taken.length);
    if (read === undefined) {
      if (g === 0) continue;
      break;
    }
    if (g === 0) {
      liveSize = read.size;
      liveSeen = read.last;
    }
    found = true;
    taken.unshift(...read.lines);
  }
  if (!found) return { text: undefined, liveSize, liveSeen };
  return { text: taken.length ? `${taken.join('\n')}\n` : '', liveSize, liveSeen };
}

/**
 * What a read of the journal skipped, said on stderr: an incident whose resolved line was torn showed "escalated" for
 * good with no word that the journal was damaged.
 */
function warnScan(file: string, scan: JournalScan): void {
  // A journal past the read bound (never rotated) is read by its newest part: said, not silently cut.
  for (const cut of scan.cuts) process.stderr.write(`clawback: ${terminalSafe(journalCutText(cut))}\n`);
  // A torn line the daemon already noted in the journal (its daemon.fault line) is not warned about on every call.
  if (scan.unnotedCorruptLines > 0) process.stderr.write(`clawback: skipped ${scan.unnotedCorruptLines} damaged line(s) of ${terminalSafe(file)} (or its rotated copies) at line ${scan.unnotedCorruptLineNumbers.join(', ')}${scan.unnotedCorruptLines > scan.unnotedCorruptLineNumbers.length ? ', ...' : ''}: an incident they belonged to may look unfinished\n`);
}

/** The journal's incidents, read as the daemon reads them (one shared reader), folded as its lines are read. */
async function journalIncidents(stateDir: string): Promise<IncidentSummary[]> {
  const file = path.join(stateDir, 'journal.jsonl');
  const { incidents, scan } = await readJournalIncidents(file);
  warnScan(file, scan);
  return incidents;
}

/**
 * Redacts what the journal says before it is printed, as the daemon's API does: `clawback incident ID` printed a
 * "Bearer sk-..." a probe quoted, and `incidents` an OPENAI_API_KEY=... reason, that /api/incidents showed [REDACTED].
 */
async function journalRedactor(program: Command): Promise<Redactor> {
  return (await configWithRedactor(program.opts<{ config?: string; stateDir?: string }>())).redactor;
}

export function registerHistory(program: Command): void {
  program
    .command('logs <name>')
    .description("print the service's own output (stdout and stderr)")
    .option('-n, --lines <n>', 'lines to show', numberOption('lines', 0), 50)
    .option('-f, --follow', 'keep printing new output')
    .option('--raw', 'print the output as written, secrets and terminal escapes included (default: secrets redacted, as everywhere else, and control characters other than colours shown as \\xNN)')
    .option('--json', 'one JSON object per line of output, {"service":"web","line":"..."} (with -f too, as each line comes)')
    .addHelpText('after', '\nExample:\n  clawback logs web -n 100 -f --json | jq -r .line')
    .action(async (name: string, o: { lines: number; follow?: boolean; raw?: boolean; json?: boolean }) => {
      const { file, known, names, redactor, configError, demoIn } = await logFileFor(program, name);
      // One line state for everything shown, the tail and each batch after it: a key block whose BEGIN line came in
      // one read and its body in the next showed the body (each batch was redacted as if it started the output).
      const acrossLines = crossLineRedaction();
      const redactLines = (text: string): string => redactor.redact(text.split('\n').map(acrossLines).join('\n'));
      // A service's escape sequences must not act on the reader's terminal (the clipboard, the title); colours stay.
      // Under --json each whole line is one object (JSON escapes what would act on a terminal): a script reads lines, not a stream.
      const asJson = (text: string): string => text.split('\n').slice(0, -1).map((line) => `${JSON.stringify({ service: name, line })}\n`).join('');
      const show = (text: string): string => (o.json ? asJson(o.raw ? text : redactLines(text)) : o.raw ? text : terminalSafe(redactLines(text), { keepColour: true }));
      let tail: ReturnType<typeof lastLogLines>;
      try {
        tail = lastLogLines(file, o.lines);
      } catch (err) {
        if (err instanceof NotRegularFileError) {
          exitWithError('system', terminalSafe(`${err.file} is ${err.kind}, not a regular file: not read (something other than the service's output is in its log's place: remove it)`), 1);
        }
        if (typeof (err as NodeJS.ErrnoException).code !== 'string') throw err;
        exitWithError('system', terminalSafe(unreadableLogText(file, err, 'this command')), 1);
      }
      const { text: last, liveSize, liveSeen } = tail;
      // A scaled service's group name (web for web:0..2) has no log of its own: each instance writes one.
      const grouped = known === false && namesFor(name, names).length > 0;
      const logsOf = (instances: string[]): string => `each writes its own log: name one instance, e.g. ${cliHint(['logs', instances[0]!], { stateDir: clientStateDir(program.opts()) })}`;
      if (last === undefined) {
        // Typed in another directory: "no service named web (known: demo-gateway)" checked the demo while the person's
        // daemon ran elsewhere; as `status` does there, the live daemons are listed, each with this command.
        if (known === false && demoIn !== undefined && !grouped) {
          exitWithError('daemon-unreachable', terminalSafe(`no clawback daemon runs in ${demoIn} (no daemon.json) and no config file was named or found (no --config, $CLAWBACK_CONFIG or clawback.yaml in ${process.cwd()}), so "${name}" is not a service of the embedded demo (known: ${names.join(', ')}) and has no log at ${file}; ${liveDaemonsText()}`), 3);
        }
        if (known === false) {
          exitWithError('not-found', terminalSafe(`${unknownServiceText(name, names, logsOf)}${grouped ? '' : ` (and no log at ${file})`}`), 4);
        }
        // A config that does not load names no service: "no output yet" (exit 0) for any name, a typo included, was a lie.
        if (known === undefined && configError !== undefined) {
          exitWithError('invalid-config', `cannot tell whether "${terminalSafe(name)}" is a service (no log at ${terminalSafe(file)}): ${terminalSafe(failureText(configError))}`, 2);
        }
        // A configured service that has not written anything yet is not an error.
        process.stderr.write(`clawback: no output from "${name}" yet (${file} does not exist)${o.follow ? '; waiting for it' : ''}\n`);
        if (!o.follow) return;
      } else {
        // A log left from before the service was scaled is not its output now: shown, but said so.
        if (grouped) process.stderr.write(`clawback: ${terminalSafe(`${unknownServiceText(name, names, logsOf)}; below is ${file}, written before it was scaled`)}\n`);
        process.stdout.write(show(last));
        if (!o.follow) return;
      }
      // From where the tail's read ended, not the size now: lines written while the tail was shown were lost.
      // Whole lines only, so a secret split across two reads is still redacted.
      let partial = '';
      const decoder = new StringDecoder('utf8');
      const flushPartial = (): void => {
        if (partial) process.stdout.write(show(`${partial}\n`));
        partial = '';
      };
      const follower = new LogFollower({
        file,
        offset: liveSize,
        // The bytes that same read ended with, not read again: a rotation in between is then told as any other.
        seen: liveSeen,
        generations: MAX_GENERATIONS,
        // A flood between two reads is not read whole: the newest TAIL_BYTES_MAX, and the skip said.
        maxBytes: TAIL_BYTES_MAX,
        onBreak: flushPartial,
        notice: (text) => {
          flushPartial();
          process.stderr.write(`clawback: ${terminalSafe(text)}\n`);
        },
        out: (bytes) => {
          const text = partial + decoder.write(bytes);
          const cut = text.lastIndexOf('\n') + 1;
          partial = text.slice(cut);
          if (cut > 0) process.stdout.write(show(text.slice(0, cut)));
          // A line that never ends is shown in pieces, as the log redactor writes it, not held whole.
          if (partial.length > LINE_MAX_CHARS) flushPartial();
        },
      });
      const pump = (): void => follower.pump();
      try {
        watch(path.dirname(file), () => pump());
      } catch {
        // The log directory does not exist yet: the poll below still picks the file up.
      }
      setInterval(pump, 1000);
    });

  program
    .command('incidents')
    .description('list incidents from the journal: level reached, outcome, time to recover')
    .option('--json', 'machine-readable output')
    .option('--days <n>', 'only incidents open at some time in the last N days', numberOption('days', 1))
    .action(async (o: { json?: boolean; days?: number }) => {
      const stateDir = clientStateDir(program.opts());
      const since = o.days ? Date.now() - o.days * 86_400_000 : undefined;
      // The window picks incidents, not events: cut at its start, an incident opened before it and closed within was
      // listed as opened at its closing, reason "unknown", and a still open older one was not listed at all.
      const redactor = await journalRedactor(program);
      const incidents = redactor.redactDeep(await journalIncidents(stateDir)).filter((i) => since === undefined || i.openedAt >= since || (i.closedAt ?? Infinity) >= since);
      const elsewhere = incidents.length === 0 ? noJournalHere(program) : undefined;
      if (elsewhere) process.stderr.write(`clawback: ${terminalSafe(elsewhere)}\n`);
      if (o.json) {
        process.stdout.write(JSON.stringify(incidents.map(({ timeline, ...rest }) => ({ ...rest, events: timeline.length }))) + '\n');
        return;
      }
      if (incidents.length === 0) {
        process.stdout.write('no incidents in the journal\n');
        return;
      }
      const rows = [['INCIDENT', 'SERVICE', 'OPENED', 'LEVEL', 'OUTCOME', 'TTR', 'REASON']];
      for (const i of incidents) {
        rows.push([terminalSafe(i.id), terminalSafe(i.service), localStamp(i.openedAt), String(i.highestLevel), i.outcome, i.ttrMs !== undefined ? `${formatTtr(i.ttrMs)}${i.ttrMaxMs !== undefined ? ` (<= ${formatTtr(i.ttrMaxMs)}, paused)` : ''}` : '-', terminalSafe(i.reason).slice(0, 60)]);
      }
      process.stdout.write(table(rows) + '\n');
    });

  program
    .command('incident <id>')
    .description("one incident's timeline")
    .option('--json', 'machine-readable output')
    .action(async (id: string, o: { json?: boolean }) => {
      const stateDir = clientStateDir(program.opts());
      const redactor = await journalRedactor(program);
      const raw = (await journalIncidents(stateDir)).find((i) => i.id === id);
      const found = raw && redactor.redactDeep(raw);
      if (!found) {
        const elsewhere = noJournalHere(program);
        exitWithError('not-found', `no incident ${terminalSafe(id)} in the journal${elsewhere ? ` (${terminalSafe(elsewhere)})` : ''}`, 4);
      }
      if (o.json) {
        process.stdout.write(JSON.stringify(found) + '\n');
        return;
      }
      // Event messages quote the service (a probe command's output, a log line a probe matched); a damaged or
      // hand-edited journal line can carry escapes in any field, and the list showed its service name raw.
      process.stdout.write(`${terminalSafe(found.id)} (${terminalSafe(found.service)}): ${found.outcome}, highest level ${found.highestLevel}${found.ttrMs !== undefined ? `, recovered in ${formatTtr(found.ttrMs)}` : ''}${found.ttrMaxMs !== undefined ? ` (down at most ${formatTtr(found.ttrMaxMs)}: the daemon was paused when it failed)` : ''}${found.closedBy ? `, closed without recovering (${found.closedBy === 'stop' ? 'a person stopped the service' : 'a config reload removed or replaced the service'})` : ''}\n`);
      for (const e of found.timeline) {
        // The date too: an incident read days later (an older rotation), or across midnight, showed times of no day.
        const t = localStamp(e.time, { millis: true });
        process.stdout.write(`  ${t}  ${e.level !== undefined ? `L${terminalSafe(String(e.level))} ` : '   '}${terminalSafe(e.type).padEnd(26)} ${terminalSafe(e.message)}\n`);
      }
    });

  program
    .command('digest')
    .description('a Markdown report: incidents, auto-resolved share, escalations, mean and p95 time to recover')
    .option('--days <n>', 'period in days', numberOption('days', 1), 7)
    .option('--json', 'print the figures as one JSON object (incidents, autoResolvedShare, meanTtrMs, p95TtrMs, ...)')
    .addHelpText('after', '\nExample:\n  clawback digest --days 30 --json | jq .autoResolvedShare')
    .action(async (o: { days: number; json?: boolean }) => {
      const stateDir = clientStateDir(program.opts());
      const redactor = await journalRedactor(program);
      // Folded as the window is read (as `incidents` is): it held all four files' events first, 126 MB for 200 000.
      const fold = new DigestFold({ days: o.days, now: Date.now() });
      const file = path.join(stateDir, 'journal.jsonl');
      let seen = 0;
      warnScan(file, await scanJournalWindow(file, (e) => {
        seen++;
        fold.add(e);
      }));
      const stats = fold.stats();
      const elsewhere = seen === 0 ? noJournalHere(program) : undefined;
      if (elsewhere) process.stderr.write(`clawback: ${terminalSafe(elsewhere)}\n`);
      if (o.json) {
        process.stdout.write(JSON.stringify(redactor.redactDeep(stats)) + '\n');
        return;
      }
      process.stdout.write(terminalSafe(redactor.redact(renderDigestStats(stats, { days: o.days, stamp: (ms) => localStamp(ms) }))) + '\n');
    });
}
