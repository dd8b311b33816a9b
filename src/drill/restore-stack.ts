// Whatever a drill breaks it must put back, also on Ctrl-C, SIGTERM or an error: a LIFO of synchronous undo steps.

export interface UndoStep {
  label: string;
  run: () => void;
}

export class RestoreStack {
  private readonly steps: UndoStep[] = [];
  /** What unwindAll put back (or failed to) since the last takeUnwound: steps no scenario had released itself. */
  private unwound: string[] = [];
  private readonly log: (line: string) => void;

  constructor(log: (line: string) => void) {
    this.log = log;
  }

  /** Registers an undo step; the returned function runs it now (once) and removes it. */
  push(label: string, run: () => void): () => void {
    const step: UndoStep = { label, run };
    this.steps.push(step);
    return () => {
      const i = this.steps.indexOf(step);
      if (i < 0) return;
      this.steps.splice(i, 1);
      this.runOne(step);
    };
  }

  /** Undo steps still pending. */
  size(): number {
    return this.steps.length;
  }

  /**
   * Runs every pending step, newest first; one failing step never stops the others. Each is kept for takeUnwound, and
   * this unwind's are returned (newest first), so a caller can say what it just put back.
   */
  unwindAll(): string[] {
    const ran: string[] = [];
    while (this.steps.length) {
      const step = this.steps.pop()!;
      ran.push(this.runOne(step) ? step.label : `FAILED: ${step.label} (see the drill's output)`);
    }
    this.unwound.push(...ran);
    return ran;
  }

  /**
   * The steps unwindAll ran since the last call (Ctrl-C/SIGTERM's unwind, a trial that threw), oldest first; clears
   * them. The report says what was put back: an interrupted hang trial said nothing of its SIGCONT.
   */
  takeUnwound(): string[] {
    const out = this.unwound;
    this.unwound = [];
    return out;
  }

  private runOne(step: UndoStep): boolean {
    try {
      step.run();
      return true;
    } catch (err) {
      this.log(`restore step "${step.label}" failed: ${(err as Error).message}`);
      return false;
    }
  }
}

/**
 * On SIGINT/SIGTERM/SIGHUP: unwind the stack synchronously and abort `stop`, so the run ends its fault, lifts a hold
 * it caused and writes its report; a second signal unwinds again and exits at once (130/143/129).
 * Returns the uninstaller; the handlers belong to one drill run, nothing stays installed after it.
 */
export function stopOnSignals(
  stack: RestoreStack,
  stop: AbortController,
  log: (line: string) => void,
  what: string,
  exit: (code: number) => void = (c) => process.exit(c),
): () => void {
  const codes: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
  const handlers = Object.entries(codes).map(([sig, code]) => {
    const handler = (): void => {
      // The line follows the undo and names what it did: "everything is put back" was printed whatever the steps did.
      const said = putBackText(stack.unwindAll());
      if (stop.signal.aborted) {
        log(`${sig} again: ${said}; exiting without a report`);
        exit(code);
        return;
      }
      log(`\n${sig}: stopping ${what}; ${said}; next a hold the drill caused is lifted and the report is written (again to exit at once)`);
      stop.abort();
    };
    process.on(sig as NodeJS.Signals, handler);
    return [sig, handler] as const;
  });
  return () => {
    for (const [sig, handler] of handlers) process.off(sig as NodeJS.Signals, handler);
  };
}

/** What one unwind did, for a person: the steps put back, and those that could not be. Pure. */
export function putBackText(ran: readonly string[]): string {
  const failed = ran.filter((r) => r.startsWith('FAILED: ')).map((r) => r.slice('FAILED: '.length));
  const done = ran.filter((r) => !r.startsWith('FAILED: '));
  if (!ran.length) return 'nothing of the drill\'s was in place to put back';
  return [done.length ? `put back: ${done.join('; ')}` : '', failed.length ? `could NOT put back: ${failed.join('; ')}` : ''].filter(Boolean).join('; ');
}
