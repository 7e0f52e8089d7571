import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OrphanedFramesGate } from './orphaned-frames.js';

describe('OrphanedFramesGate', () => {
  it('holds new deliveries until the frames a crashed owner held are redelivered, then releases all in stream order', () => {
    // Two frames (stream sequences 41 and 43) were delivered to the crashed owner, 44 never was.
    const gate = new OrphanedFramesGate<string>(2, 43, 10_000);
    assert.deepEqual(gate.offer('s44', 44, 0), []);
    assert.deepEqual(gate.offer('s45', 45, 1), []);
    assert.deepEqual(gate.offer('s41', 41, 2), []);
    assert.equal(gate.missing, 1);
    assert.deepEqual(gate.offer('s43', 43, 3), ['s41', 's43', 's44', 's45']);
    assert.equal(gate.open, false);
    assert.deepEqual(gate.offer('s46', 46, 4), ['s46'], 'once released, deliveries pass straight through');
  });

  it('releases what it holds at the deadline when an orphan never comes back', () => {
    const gate = new OrphanedFramesGate<string>(2, 10, 5_000);
    assert.deepEqual(gate.offer('s9', 9, 0), []);
    assert.deepEqual(gate.offer('s12', 12, 100), []);
    assert.deepEqual(gate.expire(4_999), []);
    assert.deepEqual(gate.expire(5_000), ['s9', 's12']);
    assert.deepEqual(gate.expire(6_000), []);
  });

  it('a delivery after the deadline releases everything with it', () => {
    const gate = new OrphanedFramesGate<string>(1, 10, 5_000);
    assert.deepEqual(gate.offer('s11', 11, 0), []);
    assert.deepEqual(gate.offer('s12', 12, 5_001), ['s11', 's12']);
  });

  it('abandon hands back what it holds (a hand-over while waiting)', () => {
    const gate = new OrphanedFramesGate<string>(3, 10, 5_000);
    gate.offer('s8', 8, 0);
    gate.offer('s11', 11, 0);
    assert.deepEqual(gate.abandon(), ['s8', 's11']);
    assert.equal(gate.open, false);
  });
});
