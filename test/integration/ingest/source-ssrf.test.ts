import assert from 'node:assert/strict';
import { lookup } from 'node:dns/promises';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { unary } from '@va/common';
import { codeOf, outcomeOf } from '../../helpers/grpc.js';
import { CLIP, StreamState, streamSpec } from '@va/harness/ingest-service';
import { ingestFixture } from '../../helpers/ingest-fixture.js';
import { sharedFile } from '@va/harness/shared';

/** A real HTTP server on 127.0.0.1 that counts the requests each path gets. */
async function startHttp(handler: (path: string, res: ServerResponse) => void) {
  const hits = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    hits.set(req.url ?? '', (hits.get(req.url ?? '') ?? 0) + 1);
    handler(req.url ?? '', res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, hits, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe('camera URLs cannot reach this machine or private networks (real ingest, default security)', () => {
  const fx = ingestFixture({
    VA_INGEST_ALLOW_LOCAL_NETWORK: 'false',
    VA_INGEST_BACKOFF_INITIAL_MS: '100',
    VA_INGEST_BACKOFF_MAX_MS: '300',
  });

  const refusal = (url: string) =>
    outcomeOf(
      unary(fx.ingest.operator.addStream.bind(fx.ingest.operator), { spec: streamSpec({ cameraId: 'probe', url }) }),
    );

  it('refuses every spelling of a local or special address with INVALID_ARGUMENT, before any ffmpeg', async () => {
    const cases: Array<[string, RegExp]> = [
      ['http://[::ffff:169.254.169.254]/latest/meta-data/', /cloud-metadata address, never a camera/],
      ['rtsp://[::ffff:10.0.0.5]/live', /host ::ffff:a00:5 \(10\.0\.0\.5\) is a private address on a local network/],
      ['http://[::127.0.0.1]/', /loopback address/],
      ['rtsp://[::7f00:1]/live', /loopback address/],
      ['http://[64:ff9b::7f00:1]/', /loopback address/],
      ['http://[64:ff9b::a9fe:a9fe]/', /cloud-metadata/],
      ['http://[64:ff9b:1::a00:1]/', /private address/],
      ['http://[::ffff:0:0]/', /unspecified address/],
      ['http://[2002:7f00:1::]/', /loopback address/],
      ['http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/', /loopback address/],
      ['http://2130706433/', /loopback address/],
      ['http://0x7f.1/', /loopback address/],
      ['http://127.1/', /loopback address/],
      // rtsp: is not a special scheme: URL leaves these spellings alone and libc would read them.
      ['rtsp://0x7f.1/live', /host 0x7f\.1 \(127\.0\.0\.1\) is a loopback address/],
      ['rtsp://2130706433/live', /loopback address/],
      ['rtsps://0177.0.0.1/live', /loopback address/],
      ['http://169.254.169.254/', /cloud-metadata/],
      ['http://100.64.1.1/', /shared address/],
      ['http://[fd00::1]/', /unique-local address/],
      ['http://[fe80::1]/', /link-local address/],
      ['rtsp://239.1.2.3/live', /multicast address/],
      ['http://255.255.255.255/', /broadcast address/],
      ['http://192.0.2.10/', /documentation address/],
      ['http://localhost:8080/', /loopback/],
      ['rtsp://LocalHost./live', /loopback/],
      ['http://cam.localhost/', /loopback/],
    ];
    for (const [url, reason] of cases) {
      const r = await refusal(url);
      assert.equal(r.code, status.INVALID_ARGUMENT, `${url} was not refused: ${JSON.stringify(r)}`);
      assert.match(r.details, reason, url);
    }
    const listed = await unary(fx.ingest.viewer.listStreams.bind(fx.ingest.viewer), {});
    assert.deepEqual(listed.streams, [], 'no refused URL became a stream');
    assert.equal(
      await fx.ingest.metric('va_ingest_source_restarts_total', { camera: 'probe' }),
      0,
      'no ffmpeg ever ran for them',
    );
  });

  it('resolves a host name and refuses it when it points at this machine', async (t) => {
    const name = hostname();
    const addresses = await lookup(name, { all: true }).catch(() => []);
    if (addresses.length === 0) return t.skip(`${name} does not resolve here`);
    const r = await refusal(`rtsp://${name}/live`);
    if (addresses.every((a) => a.address.startsWith('127.') || a.address === '::1')) {
      assert.equal(r.code, status.INVALID_ARGUMENT, JSON.stringify(r));
      const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      assert.match(
        r.details,
        new RegExp(
          `host ${escaped} \\((127\\.[0-9.]+|::1)\\) is a loopback address on a local network; set VA_INGEST_ALLOW_LOCAL_NETWORK=true`,
        ),
      );
    } else {
      t.diagnostic(
        `${name} resolves to ${addresses.map((a) => a.address).join(', ')}; checked only when it is loopback`,
      );
    }
  });

  it('checks the host again before each connect: a name that does not resolve never gets an ffmpeg', async () => {
    // .invalid never resolves (RFC 6761): accepted, since a camera's name may appear later, but
    // every connect attempt stops at the host check.
    await fx.ingest.add({ cameraId: 'nowhere', url: 'rtsp://camera.invalid/live' });
    const s = await fx.ingest.waitFor('nowhere', (st) => st.restarts >= 2, 'two refused connects');
    assert.match(s.lastError, /host camera\.invalid does not resolve/);
    assert.equal(s.ffmpegPid, 0);
    assert.equal(s.framesRead, 0);
    assert.equal(
      await codeOf(unary(fx.ingest.operator.removeStream.bind(fx.ingest.operator), { cameraId: 'nowhere' })),
      'OK',
    );
  });

  it('says the same for a file outside the root as for one that does not exist', async () => {
    const root = dirname(dirname(sharedFile(CLIP)));
    const urls = [
      'file:///etc/passwd',
      'file:///etc/no-such-file',
      `file://${join(root, 'no-such-clip.mp4')}`,
      `file://${join(root, '..', 'no-such-folder', 'x.mp4')}`,
      'file:///etc',
    ];
    const answers: string[] = [];
    for (const url of urls) {
      const r = await refusal(url);
      assert.equal(r.code, status.INVALID_ARGUMENT, url);
      answers.push(r.details.replace(decodeURIComponent(new URL(url).pathname), '<path>'));
    }
    assert.deepEqual(
      new Set(answers),
      new Set(['file <path> is not a file under VA_INGEST_FILE_ROOT']),
      answers.join('\n'),
    );
  });
});

describe('HTTP cameras may not send ffmpeg elsewhere (real ingest, local network allowed for the test servers)', () => {
  const fx = ingestFixture({
    VA_INGEST_ALLOW_LOCAL_NETWORK: 'true',
    VA_INGEST_BACKOFF_INITIAL_MS: '100',
    VA_INGEST_BACKOFF_MAX_MS: '300',
  });
  let inside: Awaited<ReturnType<typeof startHttp>>;
  let camera: Awaited<ReturnType<typeof startHttp>>;
  before(async () => {
    // Stands for a service ingest must not be turned against (an admin page, a metadata endpoint).
    inside = await startHttp((_path, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('secret'));
    camera = await startHttp((path, res) => {
      if (path === '/redirect') res.writeHead(302, { location: `${inside.base}/admin` }).end();
      else if (path === '/playlist.m3u8') {
        res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl' });
        res.end(
          `#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\n${inside.base}/segment.ts\n#EXT-X-ENDLIST\n`,
        );
      } else res.writeHead(404).end();
    });
  });
  after(async () => {
    await camera?.close();
    await inside?.close();
  });

  it('does not follow a redirect, and says why the camera failed', async () => {
    await fx.ingest.add({ cameraId: 'redirecting', url: `${camera.base}/redirect` });
    const s = await fx.ingest.waitFor('redirecting', (st) => st.restarts >= 2, 'two failed connects');
    assert.ok(
      (camera.hits.get('/redirect') ?? 0) >= 2,
      `ffmpeg asked the camera (${JSON.stringify([...camera.hits])})`,
    );
    assert.equal(inside.hits.size, 0, `the redirect target was reached: ${JSON.stringify([...inside.hits])}`);
    assert.notEqual(s.state, StreamState.STREAM_STATE_RUNNING);
    assert.equal(s.framesRead, 0);
    assert.match(s.lastError, /HTTP redirect\? they are refused unless VA_INGEST_ALLOW_HTTP_REDIRECTS=true/);
  });

  it('does not open a playlist whose segments live elsewhere', async () => {
    await fx.ingest.add({ cameraId: 'playlist', url: `${camera.base}/playlist.m3u8` });
    const s = await fx.ingest.waitFor('playlist', (st) => st.restarts >= 2, 'two failed connects');
    assert.ok(
      (camera.hits.get('/playlist.m3u8') ?? 0) >= 2,
      `ffmpeg asked the camera (${JSON.stringify([...camera.hits])})`,
    );
    assert.equal(inside.hits.size, 0, `a playlist segment was fetched: ${JSON.stringify([...inside.hits])}`);
    assert.equal(s.framesRead, 0);
    assert.match(s.lastError, /Format not on whitelist/);
  });

  it('still refuses cloud metadata and unspecified addresses', async () => {
    for (const url of [
      'http://[::ffff:169.254.169.254]/',
      'http://169.254.169.254/',
      'http://[::ffff:0:0]/',
      'http://0.0.0.0:80/',
    ]) {
      assert.equal(
        await codeOf(
          unary(fx.ingest.operator.addStream.bind(fx.ingest.operator), { spec: streamSpec({ cameraId: 'meta', url }) }),
        ),
        status.INVALID_ARGUMENT,
        url,
      );
    }
  });
});
