import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyAddress, parseIpLiteral, type AddressKind } from './ip-address.js';

const kindOf = (text: string) => classifyAddress(text).kind;

function expectKinds(cases: Array<[string, AddressKind]>) {
  for (const [text, kind] of cases)
    assert.equal(kindOf(text), kind, `${text}: ${JSON.stringify(classifyAddress(text))}`);
}

describe('IP literal parsing', () => {
  it('reads IPv4 the way inet_aton does: shorthand, decimal, octal, hex', () => {
    const cases: Array<[string, string]> = [
      ['127.0.0.1', '127.0.0.1'],
      ['127.1', '127.0.0.1'],
      ['127.0.1', '127.0.0.1'],
      ['2130706433', '127.0.0.1'],
      ['0x7f000001', '127.0.0.1'],
      ['0x7f.1', '127.0.0.1'],
      ['0177.0.0.1', '127.0.0.1'],
      ['0x7F.0.0.0x1', '127.0.0.1'],
      ['017700000001', '127.0.0.1'],
      ['10.0.0.5.', '10.0.0.5'],
      ['0', '0.0.0.0'],
      ['169.16689662', '169.254.169.254'],
    ];
    for (const [text, address] of cases) assert.deepEqual(parseIpLiteral(text), { family: 4, address }, text);
  });

  it('reads IPv6 with or without brackets and writes it canonically', () => {
    assert.deepEqual(parseIpLiteral('[::ffff:169.254.169.254]'), { family: 6, address: '::ffff:a9fe:a9fe' });
    assert.deepEqual(parseIpLiteral('::127.0.0.1'), { family: 6, address: '::7f00:1' });
    assert.deepEqual(parseIpLiteral('2001:DB8:0:0:1:0:0:1'), { family: 6, address: '2001:db8::1:0:0:1' });
    assert.deepEqual(parseIpLiteral('fe80:0:0:0:0:0:0:1'), { family: 6, address: 'fe80::1' });
    assert.deepEqual(parseIpLiteral('1:2:3:4:5:6:7:8'), { family: 6, address: '1:2:3:4:5:6:7:8' });
    assert.deepEqual(parseIpLiteral('fe80::1%eth0'), { family: 6, address: 'fe80::1' });
  });

  it('leaves names and malformed numbers to the resolver', () => {
    for (const text of [
      'example.com',
      'camera-1',
      '256.1.1.1',
      '1.2.3.4.5',
      '08.1.1.1',
      '0x',
      '1..2',
      '4294967296',
      '1.16777216',
      '',
      '[::1',
    ]) {
      assert.equal(parseIpLiteral(text), undefined, text);
    }
  });
});

describe('address classification', () => {
  it('refuses every form from the issue', () => {
    expectKinds([
      ['[::ffff:169.254.169.254]', 'cloud-metadata'],
      ['::ffff:a9fe:a9fe', 'cloud-metadata'],
      ['::ffff:10.0.0.5', 'private'],
      ['::127.0.0.1', 'loopback'],
      ['64:ff9b::7f00:1', 'loopback'],
      ['64:ff9b::10.1.2.3', 'private'],
      ['::ffff:0:0', 'unspecified'],
    ]);
  });

  it('looks inside mapped, compatible, translated, NAT64, 6to4 and Teredo addresses', () => {
    expectKinds([
      ['::ffff:7f00:1', 'loopback'],
      ['::7f00:1', 'loopback'],
      ['::a00:5', 'private'],
      ['::ffff:0:7f00:1', 'loopback'],
      ['64:ff9b::a9fe:a9fe', 'cloud-metadata'],
      ['64:ff9b:1::1', 'private'],
      ['2002:7f00:1::', 'loopback'],
      ['2002:c0a8:101::1', 'private'],
      // Teredo: server 65.54.227.120, client 127.0.0.1 (stored inverted).
      ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'loopback'],
      // Teredo server in 10/8.
      ['2001:0:a00:1:8000:63bf:3fff:fdd2', 'private'],
    ]);
  });

  it('lets the public addresses inside transition forms through', () => {
    expectKinds([
      ['::ffff:8.8.8.8', 'public'],
      ['64:ff9b::808:808', 'public'],
      ['2002:808:808::1', 'public'],
      ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'documentation'],
      ['2001:0:4136:e378:8000:63bf:f7f7:f7f7', 'public'],
      // A deprecated IPv4-compatible address is not routable whatever it carries.
      ['::8.8.8.8', 'reserved'],
    ]);
  });

  it('knows the IPv4 special-purpose ranges', () => {
    expectKinds([
      ['127.0.0.1', 'loopback'],
      ['127.255.255.254', 'loopback'],
      ['2130706433', 'loopback'],
      ['0x7f.1', 'loopback'],
      ['127.1', 'loopback'],
      ['10.0.0.1', 'private'],
      ['172.16.5.4', 'private'],
      ['172.31.255.255', 'private'],
      ['192.168.0.1', 'private'],
      ['169.254.1.1', 'link-local'],
      ['169.254.169.254', 'cloud-metadata'],
      ['100.100.100.200', 'cloud-metadata'],
      ['100.64.0.1', 'shared'],
      ['100.127.255.255', 'shared'],
      ['0.0.0.0', 'unspecified'],
      ['0.1.2.3', 'unspecified'],
      ['224.0.0.1', 'multicast'],
      ['239.255.255.250', 'multicast'],
      ['255.255.255.255', 'broadcast'],
      ['240.0.0.1', 'reserved'],
      ['192.0.0.8', 'reserved'],
      ['192.88.99.1', 'reserved'],
      ['192.0.2.1', 'documentation'],
      ['198.51.100.7', 'documentation'],
      ['203.0.113.9', 'documentation'],
      ['198.18.0.1', 'benchmarking'],
      ['198.19.255.255', 'benchmarking'],
      ['8.8.8.8', 'public'],
      ['172.32.0.1', 'public'],
      ['100.128.0.1', 'public'],
      ['198.20.0.1', 'public'],
      ['1.1.1.1', 'public'],
    ]);
  });

  it('knows the IPv6 special-purpose ranges', () => {
    expectKinds([
      ['::', 'unspecified'],
      ['::1', 'loopback'],
      ['fc00::1', 'unique-local'],
      ['fd12:3456::1', 'unique-local'],
      ['fd00:ec2::254', 'cloud-metadata'],
      ['fe80::1', 'link-local'],
      ['febf::1', 'link-local'],
      ['fec0::1', 'private'],
      ['ff02::1', 'multicast'],
      ['2001:db8::1', 'documentation'],
      ['3fff::1', 'documentation'],
      ['2001:2::1', 'benchmarking'],
      ['100::1', 'reserved'],
      ['2001:10::1', 'reserved'],
      ['5f00::1', 'reserved'],
      ['1::', 'reserved'],
      ['::2', 'reserved'],
      ['2606:4700:4700::1111', 'public'],
      ['2a00:1450:4001::200e', 'public'],
    ]);
  });

  it('names the embedded IPv4 that decided', () => {
    assert.deepEqual(classifyAddress('[::ffff:10.0.0.5]'), {
      kind: 'private',
      address: '::ffff:a00:5',
      via: '10.0.0.5',
    });
    assert.throws(() => classifyAddress('example.com'), /not an IP address/);
  });
});
