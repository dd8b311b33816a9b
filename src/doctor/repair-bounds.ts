// How many validator runs one repairing doctor pass may make: pure numbers, shared by the doctor (its walks), the repair
// lock's wait and the reducer's deadline for a doctor run (decide/policy.ts), so the three agree.

/** Rounds of "remove the named keys, validate again" (a validator may name one problem at a time). */
export const KEY_REMOVAL_ROUNDS = 5;

/**
 * Copies a whole-file restore validates at most (each a run of the validator, OpenClaw's taking seconds): a backup glob
 * matching hundreds of rotated files made one repair run the validator hundreds of times (200 backups: 49 s with a
 * validator of 0.25 s, the repair lock held all along). Ranked newest-trusted first, so the copies left are the older.
 */
export const RESTORE_VALIDATIONS_MAX = 10;

/**
 * Validator runs one repairing pass may make on the config, each bounded by validateTimeout: the broken file's check,
 * the check after the service's own doctor, the key-removal rounds, the named values put back, the included files put
 * back, the copies a restore validates, the verify. Another run waits for the repair lock this long (repairLockWaitMs):
 * counting two, it gave up on a holder still validating its 10 copies.
 */
export const REPAIR_VALIDATIONS_MAX = 1 + 1 + KEY_REMOVAL_ROUNDS + 1 + 1 + RESTORE_VALIDATIONS_MAX + 1;

/**
 * The time the validator runs of one pass may take at most (each bounded by validateTimeout), 0 without a validator.
 * The reducer's deadline for a doctor run was doctor.timeout + 120 s: with a validator of 15 s it cut a restore after 7
 * of its 10 copies (the service sent to a human while a valid copy was next), though every step was bounded.
 */
export function repairValidationsMs(configFile: { validateCommand?: readonly string[] | undefined; validateTimeout: number } | undefined): number {
  return configFile?.validateCommand ? REPAIR_VALIDATIONS_MAX * configFile.validateTimeout : 0;
}
