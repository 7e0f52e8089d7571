import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { connect } from 'nats';
import { unary } from '@va/common';
import { StreamSpec } from '@va/proto/va/ingest/v1/ingest';
import { CLIP, fileUrl, isState, startIngest, streamSpec, StreamState } from '@va/harness/ingest-service';
import { ingestFixture } from '../../helpers/ingest-fixture.js';
import { waitFor } from '@va/harness/ports';
import { sharedFile } from '@va/harness/shared';
import { natsClientOptionsFor } from '@va/harness/nats-server';

const BUCKET = 'va_ingest_streams';

async function kvSpecs(natsUrl: string): Promise<Map<string, StreamSpec>> {
  const nc = await connect(natsClientOptionsFor(natsUrl));
  try {
    const kv = await nc.jetstream().views.kv(BUCKET);
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info(`KV_${BUCKET}`, { subjects_filter: `$KV.${BUCKET}.>` });
    const out = new Map<string, StreamSpec>();
    for (const subject of Object.keys(info.state.subjects ?? {})) {
      const key = subject.slice(`$KV.${BUCKET}.`.length);
      const e = await kv.get(key);
      if (e?.operation === 'PUT') out.set(key, StreamSpec.decode(e.value));
    }
    return out;
  } finally {
    await nc.close();
  }
}

/** Pids of the ffmpeg children of `parent` whose command line mentions `marker`. */
function ffmpegPids(parent: number | undefined, marker: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${name}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]);
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (ppid === parent && cmd.some((a) => a.endsWith('ffmpeg')) && cmd.some((a) => a.includes(marker)))
        pids.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

describe('stream registry in NATS KV across add, update, remove and restarts (real processes)', () => {
  const pattern = (rate: number) => `testsrc://testsrc2?size=320x180&rate=${rate}`;
  const fx = ingestFixture();

  it('persists every change and resumes exactly the registered streams in a second process', async () => {
    await fx.ingest.add({
      cameraId: 'kv-a',
      url: pattern(10),
      targetFps: 5,
      width: 160,
      height: 90,
      labels: { site: 'north' },
    });
    await fx.ingest.add({ cameraId: 'kv-b', url: pattern(11), targetFps: 5, width: 160, height: 90 });
    await fx.ingest.add({
      cameraId: 'kv-c',
      url: fileUrl(sharedFile(CLIP)),
      targetFps: 2,
      width: 160,
      height: 90,
      loop: true,
      realtime: true,
    });
    await unary(fx.ingest.operator.updateStream.bind(fx.ingest.operator), {
      spec: streamSpec({ cameraId: 'kv-b', url: pattern(11), targetFps: 2, width: 192, height: 108 }),
    });
    await unary(fx.ingest.operator.removeStream.bind(fx.ingest.operator), { cameraId: 'kv-a' });

    let stored = await kvSpecs(fx.nats.url);
    assert.deepEqual([...stored.keys()].sort(), ['kv-b', 'kv-c']);
    assert.equal(stored.get('kv-b')?.width, 192, 'the update is stored');
    assert.equal(stored.get('kv-b')?.targetFps, 2);
    assert.equal(ffmpegPids(fx.ingest.proc.proc.pid, 'rate=10').length, 0, "the removed stream's ffmpeg is gone");
    const before = await fx.ingest.waitFor('kv-c', isState(StreamState.STREAM_STATE_RUNNING), 'running');

    const running = ffmpegPids(fx.ingest.proc.proc.pid, 'rate=11');
    assert.equal(running.length, 1, 'kv-b runs its ffmpeg');
    assert.equal(await fx.ingest.stop(), 0, 'graceful shutdown exits 0');
    assert.ok(
      running.every((pid) => !readdirSync('/proc').includes(String(pid))),
      'no ffmpeg outlives a graceful shutdown',
    );
    stored = await kvSpecs(fx.nats.url);
    assert.deepEqual([...stored.keys()].sort(), ['kv-b', 'kv-c'], 'shutdown keeps the definitions');

    fx.ingest = await startIngest(fx.nats);
    const list = (await unary(fx.ingest.viewer.listStreams.bind(fx.ingest.viewer), {})).streams;
    assert.deepEqual(
      list.map((s) => s.spec?.cameraId),
      ['kv-b', 'kv-c'],
    );
    const b = await fx.ingest.waitFor(
      'kv-b',
      (s) => s.state === StreamState.STREAM_STATE_RUNNING && s.framesPublished > 0,
      'resumed',
    );
    assert.deepEqual([b.width, b.height], [192, 108], 'resumed with the updated definition');
    const c = await fx.ingest.waitFor('kv-c', isState(StreamState.STREAM_STATE_RUNNING), 'resumed');
    assert.notEqual(
      c.streamEpoch,
      before.streamEpoch,
      'a new process starts a new epoch (sequence reset is detectable)',
    );
    assert.equal(c.spec?.loop, true);
  });

  it('kills its ffmpeg children when the ingest process dies hard (SIGKILL)', async () => {
    const pids = await waitFor(
      () => {
        const p = ffmpegPids(fx.ingest.proc.proc.pid, 'rate=11');
        return p.length === 1 ? p : undefined;
      },
      { what: 'the ffmpeg of kv-b' },
    );
    fx.ingest.proc.kill('SIGKILL');
    await fx.ingest.proc.exited;
    await waitFor(() => pids.every((pid) => !readdirSync('/proc').includes(String(pid))), {
      timeoutMs: 5_000,
      what: 'orphaned ffmpeg to die',
    });
    fx.ingest = await startIngest(fx.nats);
    await fx.ingest.waitFor('kv-b', isState(StreamState.STREAM_STATE_RUNNING), 'resumed after the crash');
    assert.deepEqual([...(await kvSpecs(fx.nats.url)).keys()].sort(), ['kv-b', 'kv-c']);
  });
});
