import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ownerOf, rendezvousOwner, staticMembers } from './partitioning.js';

const cameras = Array.from({ length: 2000 }, (_, i) => `cam-${i}`);
const pods = (n: number) => Array.from({ length: n }, (_, i) => `tracking-${i}`);

describe('camera partitioning (rendezvous hashing)', () => {
  it('gives every camera exactly one owner, whatever the order of the members', () => {
    for (const camera of cameras.slice(0, 200)) {
      const owner = rendezvousOwner(camera, ['b', 'a', 'c']);
      assert.ok(owner && ['a', 'b', 'c'].includes(owner));
      assert.equal(rendezvousOwner(camera, ['c', 'a', 'b']), owner);
    }
    assert.equal(rendezvousOwner('cam-1', []), undefined);
  });

  it('spreads cameras evenly over static partitions and over member ids', () => {
    for (const count of [2, 3, 5]) {
      const load = new Array<number>(count).fill(0);
      for (const c of cameras) load[ownerOf(c, count)]!++;
      for (const l of load)
        assert.ok(Math.abs(l - cameras.length / count) < 0.1 * (cameras.length / count), `${count} instances: ${load}`);
      const byId = new Map<string, number>();
      for (const c of cameras)
        byId.set(rendezvousOwner(c, pods(count))!, (byId.get(rendezvousOwner(c, pods(count))!) ?? 0) + 1);
      for (const l of byId.values())
        assert.ok(
          Math.abs(l - cameras.length / count) < 0.1 * (cameras.length / count),
          `${count} members: ${[...byId.values()]}`,
        );
    }
  });

  it("moves only the share of cameras a joining member takes, and only the leaving member's cameras", () => {
    const three = pods(3);
    const four = [...three, 'tracking-x'];
    const moved = cameras.filter((c) => rendezvousOwner(c, three) !== rendezvousOwner(c, four));
    assert.ok(
      moved.every((c) => rendezvousOwner(c, four) === 'tracking-x'),
      'cameras only move to the new member',
    );
    assert.ok(Math.abs(moved.length / cameras.length - 0.25) < 0.04, `${moved.length} moved`);
    const without1 = three.filter((m) => m !== 'tracking-1');
    const left = cameras.filter((c) => rendezvousOwner(c, three) !== rendezvousOwner(c, without1));
    assert.ok(
      left.every((c) => rendezvousOwner(c, three) === 'tracking-1'),
      "only the leaving member's cameras move",
    );
  });

  it('static partitions are members "0".."N-1"; one instance owns everything', () => {
    assert.deepEqual(staticMembers(3), ['0', '1', '2']);
    for (const c of cameras.slice(0, 100)) assert.equal(String(ownerOf(c, 3)), rendezvousOwner(c, staticMembers(3)));
    assert.ok(cameras.every((c) => ownerOf(c, 1) === 0));
  });
});
