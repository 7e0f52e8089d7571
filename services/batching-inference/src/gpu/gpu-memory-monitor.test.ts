import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { createLogger } from '@va/common';
import { InferenceMetrics } from '../metrics.js';
import { GpuMemoryMonitor, type RunCommand } from './gpu-memory-monitor.js';

const log = createLogger('test', 'silent');

function setup(run?: RunCommand, command = 'nvidia-smi') {
  const registry = new Registry();
  const metrics = new InferenceMetrics(registry, 'va_inference_');
  const monitor = new GpuMemoryMonitor(metrics, log, { command, pollMs: 60_000, ...(run ? { run } : {}) });
  const samples = async () => {
    const text = await registry.metrics();
    return text.split('\n').filter((l) => l.startsWith('va_inference_gpu_memory_'));
  };
  return { monitor, samples };
}

describe('GpuMemoryMonitor', () => {
  const dir = mkdtempSync(join(tmpdir(), 'va-gpu-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('exports nothing and stops polling when nvidia-smi is not installed (this host)', async () => {
    const { monitor, samples } = setup(undefined, join(dir, 'no-such-nvidia-smi'));
    assert.equal(await monitor.poll(), false);
    assert.deepEqual(await samples(), []);
    monitor.stop();
  });

  it('runs the command and exports used and total bytes per card', async () => {
    // A stand-in executable for the unit test: the real binary exists only on GPU hosts.
    const fake = join(dir, 'nvidia-smi');
    writeFileSync(
      fake,
      '#!/bin/sh\n[ "$1" = "--query-gpu=index,name,memory.used,memory.total" ] || exit 9\necho "0, NVIDIA H100 80GB HBM3, 2048, 81559"\n',
    );
    chmodSync(fake, 0o755);
    const { monitor, samples } = setup(undefined, fake);
    assert.equal(await monitor.poll(), true);
    monitor.stop();
    assert.deepEqual(await samples(), [
      `va_inference_gpu_memory_used_bytes{gpu="0",name="NVIDIA H100 80GB HBM3"} ${2048 * 1024 * 1024}`,
      `va_inference_gpu_memory_total_bytes{gpu="0",name="NVIDIA H100 80GB HBM3"} ${81559 * 1024 * 1024}`,
    ]);
  });

  it('removes the series when a reading fails, and drops cards that disappear', async () => {
    let output: string | Error = '0, A, 1, 10\n1, B, 2, 10\n';
    const { monitor, samples } = setup(async () => {
      if (output instanceof Error) throw output;
      return output;
    });
    await monitor.poll();
    assert.equal((await samples()).length, 4);
    output = '1, B, 3, 10\n';
    await monitor.poll();
    assert.deepEqual(await samples(), [
      'va_inference_gpu_memory_used_bytes{gpu="1",name="B"} 3145728',
      'va_inference_gpu_memory_total_bytes{gpu="1",name="B"} 10485760',
    ]);
    output = Object.assign(new Error('NVIDIA-SMI has failed'), { code: 9 });
    assert.equal(await monitor.poll(), true, 'a failing driver is polled again');
    assert.deepEqual(await samples(), []);
    monitor.stop();
  });

  it('does nothing with polling off', async () => {
    let calls = 0;
    const registry = new Registry();
    const monitor = new GpuMemoryMonitor(new InferenceMetrics(registry, 'va_inference_'), log, {
      command: 'x',
      pollMs: 0,
      run: async () => (calls++, ''),
    });
    monitor.start();
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(calls, 0);
  });
});
