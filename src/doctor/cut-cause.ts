// Why a doctor run was cut, read from its abort signal: a person's own action (a stop, a restart, maintenance) is said as
// theirs and pages nobody; the deadline or the daemon stopping is a warning.

/** The person's action that cut the run (the reducer's cancel-work `handover`), or undefined for a deadline or a shutdown. */
export function cutByPerson(signal: AbortSignal | undefined): string | undefined {
  const handover = (signal?.reason as { handover?: unknown } | undefined)?.handover;
  return typeof handover === 'string' && handover !== '' ? handover : undefined;
}

/** The words for why the run was cut. */
export function cutCauseText(signal: AbortSignal | undefined): string {
  const person = cutByPerson(signal);
  return person ? `cut by a person's own action: ${person}` : 'its deadline or the daemon stopping';
}
