import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseNvidiaSmiMemory } from './nvidia-smi.js';

const MIB = 1024 * 1024;

describe('parseNvidiaSmiMemory', () => {
  it('reads one line per card, MiB to bytes', () => {
    const { gpus, problems } = parseNvidiaSmiMemory(
      '0, NVIDIA H100 80GB HBM3, 1234, 81559\n1, NVIDIA H100 80GB HBM3, 0, 81559\n',
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(gpus, [
      { index: '0', name: 'NVIDIA H100 80GB HBM3', usedBytes: 1234 * MIB, totalBytes: 81559 * MIB },
      { index: '1', name: 'NVIDIA H100 80GB HBM3', usedBytes: 0, totalBytes: 81559 * MIB },
    ]);
  });

  it('keeps commas inside a card name', () => {
    const { gpus } = parseNvidiaSmiMemory('2, Tesla T4, rev A, 100, 15360');
    assert.equal(gpus[0]?.name, 'Tesla T4, rev A');
    assert.equal(gpus[0]?.usedBytes, 100 * MIB);
  });

  it('reports lines it cannot read instead of guessing', () => {
    const { gpus, problems } = parseNvidiaSmiMemory(
      "0, NVIDIA A100, [N/A], 40960\nNVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\n1, NVIDIA A100, 5, 0\n3, NVIDIA A100, , 40960\n",
    );
    assert.deepEqual(gpus, []);
    assert.equal(problems.length, 4);
  });

  it('returns nothing for empty output (no cards)', () => {
    assert.deepEqual(parseNvidiaSmiMemory('\n'), { gpus: [], problems: [] });
  });
});
