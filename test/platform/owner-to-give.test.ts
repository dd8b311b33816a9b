// One rule for the owner a put-back may give (doctor restores, the drill's file guard, the update rollback).
import { describe, expect, it } from 'vitest';
import { ownerToGive } from '../../src/platform/atomic-write.js';

describe('ownerToGive', () => {
  const owner = { uid: 1000, gid: 1000 };

  it('gives any recorded owner as root', () => {
    expect(ownerToGive(owner, 0, [0])).toEqual(owner);
    expect(ownerToGive({ uid: 33, gid: 33 }, 0, [0])).toEqual({ uid: 33, gid: 33 });
  });

  it('as another user, gives only its own uid with one of its own groups (what chown allows)', () => {
    expect(ownerToGive(owner, 1000, [1000, 27])).toEqual(owner);
    expect(ownerToGive({ uid: 1000, gid: 27 }, 1000, [1000, 27])).toEqual({ uid: 1000, gid: 27 });
    expect(ownerToGive({ uid: 1000, gid: 50 }, 1000, [1000, 27])).toBeUndefined();
    expect(ownerToGive({ uid: 33, gid: 1000 }, 1000, [1000])).toBeUndefined();
  });

  it('gives nothing when no owner was recorded', () => {
    expect(ownerToGive(undefined, 0, [0])).toBeUndefined();
    expect(ownerToGive(undefined, 1000, [1000])).toBeUndefined();
  });

  it('defaults to this process: its own owner is always given back', () => {
    const uid = process.getuid!();
    const gid = process.getgid!();
    expect(ownerToGive({ uid, gid })).toEqual({ uid, gid });
  });
});
