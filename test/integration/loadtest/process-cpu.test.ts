// The CPU meter of the cost accounting (harness/src/pipeline/process-cpu.ts): /proc parsing and
// tree arithmetic on a fake /proc root, then this test process's own figures (and a child's)
// against what the processes report themselves.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { clockTicksPerSecond, parseProcStat, pidListeningOn, ProcessCpuMeter } from '@va/harness/pipeline/process-cpu';
import { costBetween } from '../../../loadtest/pipeline-cost.js';

interface FakeProc {
  pid: number;
  ppid: number;
  comm?: string;
  utime: number;
  stime?: number;
  cutime?: number;
  start?: number;
}

const statLine = (p: FakeProc) =>
  `${p.pid} (${p.comm ?? 'proc'}) S ${p.ppid} 1 1 0 -1 4194560 100 0 0 0 ${p.utime} ${p.stime ?? 0} ${p.cutime ?? 0} 0 20 0 4 0 ${p.start ?? 1000} 123456 789 18446744073709551615\n`;

describe('process CPU meter on a fake /proc', () => {
  const root = mkdtempSync(join(tmpdir(), 'va-fake-proc-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const write = (procs: FakeProc[]) => {
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root);
    for (const p of procs) {
      mkdirSync(join(root, String(p.pid)));
      writeFileSync(join(root, String(p.pid), 'stat'), statLine(p));
    }
  };

  test('parses a stat line whose command holds spaces and parentheses', () => {
    const s = parseProcStat(
      statLine({ pid: 42, ppid: 7, comm: 'node (worker) x', utime: 150, stime: 30, cutime: 5, start: 999 }),
    );
    assert.deepEqual(s, { pid: 42, ppid: 7, comm: 'node (worker) x', selfTicks: 180, childTicks: 5, startTicks: 999 });
    assert.equal(parseProcStat('garbage'), undefined);
  });

  test('a tree counts its descendants, new children from their start, reaped children through the parent, and a reused pid as a new process', () => {
    // ingest (10) with ffmpeg 11 (will exit, reaped by 10) and 12 (keeps running); nats (20); 30 is not ours.
    write([
      { pid: 10, ppid: 1, utime: 100 },
      { pid: 11, ppid: 10, comm: 'ffmpeg', utime: 40 },
      { pid: 12, ppid: 10, comm: 'ffmpeg', utime: 10 },
      { pid: 13, ppid: 12, utime: 5 },
      { pid: 20, ppid: 1, utime: 500, start: 50 },
      { pid: 30, ppid: 1, utime: 9999 },
    ]);
    const meter = new ProcessCpuMeter({ ingest: () => 10, nats: () => 20, gone: () => undefined }, root);
    const a = meter.read();
    assert.deepEqual([...a.trees.ingest!.values()].map((s) => s.pid).sort(), [10, 11, 12, 13]);
    // 10 used 20 more; 11 used 15 more then exited and was reaped (55 into 10's cutime); 12 used 3
    // more; 13 exited unreaped by anyone metered... it was reaped by 12 (5 + 2 into 12's cutime);
    // 14 started and used 8. nats' pid 20 was reused by a process started later with 7 ticks.
    write([
      { pid: 10, ppid: 1, utime: 120, cutime: 55 },
      { pid: 12, ppid: 10, comm: 'ffmpeg', utime: 13, cutime: 7 },
      { pid: 14, ppid: 10, comm: 'ffmpeg', utime: 8 },
      { pid: 20, ppid: 1, utime: 7, start: 900 },
      { pid: 30, ppid: 1, utime: 20000 },
    ]);
    const ms = ProcessCpuMeter.cpuMsBetween(a, meter.read(), 100);
    // ingest: 20 (10) + 15 (11) + 3 (12) + 2 (13) + 8 (14) = 48 ticks.
    assert.equal(ms.ingest, 480);
    assert.equal(ms.nats, 70);
    assert.equal(ms.gone, 0);
  });

  test('a root that exits during the window counts nothing after the last reading, never less than zero', () => {
    write([{ pid: 10, ppid: 1, utime: 100 }]);
    const meter = new ProcessCpuMeter({ svc: () => 10 }, root);
    const a = meter.read();
    write([]);
    assert.equal(ProcessCpuMeter.cpuMsBetween(a, meter.read(), 100).svc, 0);
  });

  test('per-frame figures divide by frames read and say null without frames', () => {
    write([{ pid: 10, ppid: 1, utime: 100 }]);
    const meter = new ProcessCpuMeter({ svc: () => 10 }, root);
    const a = { cpu: meter.read(), framesRead: 100, bus: { in: 1000, out: 3000 }, esDocs: 10 };
    write([{ pid: 10, ppid: 1, utime: 150 }]);
    const b = { cpu: meter.read(), framesRead: 150, bus: { in: 6000, out: 13000 }, esDocs: 60 };
    const c = costBetween(a, b, [], 100);
    assert.equal(c.frames_read, 50);
    assert.equal(c.cpu_ms_per_frame, 10);
    assert.deepEqual(c.cpu_ms_per_frame_by_process, { svc: 10 });
    assert.deepEqual(c.cpu_ms_by_process, { svc: 500 });
    assert.equal(c.bytes_per_frame_bus, 300);
    assert.deepEqual(c.bytes_per_frame_bus_by_direction, { in: 100, out: 200 });
    assert.equal(c.es_docs_per_frame, 1);
    const none = costBetween(a, { ...a, bus: undefined }, ['elasticsearch'], 100);
    assert.equal(none.cpu_ms_per_frame, null);
    assert.equal(none.bytes_per_frame_bus, null);
    assert.deepEqual(none.unmetered, ['elasticsearch']);
  });
});

describe('process CPU meter on the real /proc', () => {
  const tick = 1000 / clockTicksPerSecond();

  test('this process: what the meter reads matches what the process reports of itself', () => {
    const meter = new ProcessCpuMeter({ self: () => process.pid });
    const a = meter.read();
    const usageA = process.cpuUsage();
    let x = 0;
    while ((process.cpuUsage().user - usageA.user) / 1000 < 300) x += Math.sqrt(x + 1);
    const usage = process.cpuUsage(usageA);
    const b = meter.read();
    const reportedMs = (usage.user + usage.system) / 1000;
    const metered = ProcessCpuMeter.cpuMsBetween(a, b).self as number;
    // Both count every thread; /proc rounds to clock ticks at each reading.
    assert.ok(
      Math.abs(metered - reportedMs) <= 4 * tick + 0.05 * reportedMs,
      `metered ${metered} ms, the process reports ${reportedMs} ms (x=${x})`,
    );
  });

  test('a child that runs and exits inside the window is counted', async () => {
    const meter = new ProcessCpuMeter({ self: () => process.pid });
    const a = meter.read();
    const selfA = process.cpuUsage();
    const child = spawn(
      process.execPath,
      [
        '-e',
        'let x=0;while(process.cpuUsage().user<300000)x+=Math.sqrt(x+1);const u=process.cpuUsage();console.log((u.user+u.system)/1000)',
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((resolve) => child.once('exit', resolve));
    const b = meter.read();
    const selfMs = (() => {
      const u = process.cpuUsage(selfA);
      return (u.user + u.system) / 1000;
    })();
    const childMs = Number(out.trim());
    const metered = ProcessCpuMeter.cpuMsBetween(a, b).self as number;
    // The child's figure misses its own start-up before node's counters and its exit; hence "at least".
    assert.ok(
      metered >= childMs - 4 * tick,
      `metered ${metered} ms for this process and its child; the child reports ${childMs} ms, this process ${selfMs} ms`,
    );
  });

  test('finds the pid listening on a local port', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      assert.equal(pidListeningOn(port), process.pid);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
