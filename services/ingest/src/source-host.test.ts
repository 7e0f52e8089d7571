import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkHost, HostRefusedError, type Resolver } from './source-host.js';

const fakeDns =
  (answers: Record<string, string[]>): Resolver =>
  async (host) => {
    const found = answers[host];
    if (!found) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    return found;
  };

async function refused(host: string, allowLocal: boolean, message: RegExp, resolve?: Resolver) {
  await assert.rejects(checkHost(host, allowLocal, resolve), (err: unknown) => {
    assert.ok(err instanceof HostRefusedError, String(err));
    assert.match(err.message, message);
    return true;
  });
}

describe('source host check', () => {
  const dns = fakeDns({
    'cam.example': ['203.0.114.7', '2a00:1450::1'],
    'mixed.example': ['8.8.8.8', '10.0.0.9'],
    'rebind.example': ['::ffff:127.0.0.1'],
  });

  it('passes public addresses and names whose every address is public', async () => {
    assert.deepEqual(await checkHost('cam.example', false, dns), {
      host: 'cam.example',
      addresses: ['203.0.114.7', '2a00:1450::1'],
    });
    assert.deepEqual(await checkHost('[2606:4700::1111]', false, dns), {
      host: '2606:4700::1111',
      addresses: ['2606:4700::1111'],
    });
  });

  it('refuses a name when any one of its addresses is local', async () => {
    await refused(
      'mixed.example',
      false,
      /host mixed\.example \(10\.0\.0\.9\) is a private address on a local network; set VA_INGEST_ALLOW_LOCAL_NETWORK=true/,
      dns,
    );
    await refused('rebind.example', false, /\(::ffff:7f00:1 = 127\.0\.0\.1\) is a loopback address/, dns);
  });

  it('reads IPv4 shorthand itself rather than asking DNS', async () => {
    await refused('0x7f.1', false, /host 0x7f\.1 \(127\.0\.0\.1\) is a loopback address/, fakeDns({}));
    await refused('2130706433', false, /loopback/, fakeDns({}));
  });

  it('lets local networks through only when allowed, and never metadata, multicast or unspecified', async () => {
    assert.deepEqual((await checkHost('mixed.example', true, dns)).addresses, ['8.8.8.8', '10.0.0.9']);
    assert.deepEqual((await checkHost('[::ffff:10.0.0.5]', true, dns)).addresses, ['::ffff:a00:5']);
    await refused(
      '[::ffff:169.254.169.254]',
      true,
      /cloud-metadata address, never a camera \(VA_INGEST_ALLOW_LOCAL_NETWORK does not cover it\)/,
    );
    await refused('[::ffff:0:0]', true, /unspecified/);
    await refused('239.1.1.1', true, /multicast/);
    await refused('192.0.2.1', false, /documentation address, never a camera$/);
  });

  it('refuses localhost names without asking DNS, and really resolves localhost otherwise', async () => {
    await refused('localhost', false, /loopback/, fakeDns({}));
    await refused('cam.localhost.', false, /loopback/, fakeDns({}));
    const local = await checkHost('localhost', true);
    assert.ok(
      local.addresses.every((a) => a === '127.0.0.1' || a === '::1'),
      local.addresses.join(),
    );
  });

  it('reports a name that does not resolve as unresolved, not refused', async () => {
    await assert.rejects(
      checkHost('nowhere.example', false, dns),
      (err: unknown) =>
        err instanceof HostRefusedError && err.unresolved && /does not resolve \(ENOTFOUND\)/.test(err.message),
    );
    await assert.rejects(checkHost('', false, dns), /no host/);
  });
});
