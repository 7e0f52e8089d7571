import { BlockList, isIP } from 'node:net';

/**
 * What an address is, for the camera-URL rule. Everything but `public` is refused by default;
 * the LOCAL_KINDS may be allowed by VA_INGEST_ALLOW_LOCAL_NETWORK, the rest never.
 */
export type AddressKind =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'unique-local'
  | 'shared'
  | 'cloud-metadata'
  | 'unspecified'
  | 'multicast'
  | 'broadcast'
  | 'benchmarking'
  | 'documentation'
  | 'reserved';

/** Kinds a camera on this machine or a site network can have. */
export const LOCAL_KINDS: ReadonlySet<AddressKind> = new Set([
  'loopback',
  'private',
  'link-local',
  'unique-local',
  'shared',
]);

export interface ClassifiedAddress {
  kind: AddressKind;
  /** The address in canonical text (dotted IPv4, compressed lower-case IPv6). */
  address: string;
  /** The IPv4 address carried inside an IPv6 one (mapped, compatible, NAT64, 6to4, Teredo) that decided the kind. */
  via?: string;
}

type Range = [cidr: string, kind: AddressKind];

// Most specific first: the first match wins. IANA IPv4 and IPv6 special-purpose registries.
const V4_RANGES: Range[] = [
  ['169.254.169.254/32', 'cloud-metadata'],
  ['100.100.100.200/32', 'cloud-metadata'],
  ['255.255.255.255/32', 'broadcast'],
  ['0.0.0.0/8', 'unspecified'],
  ['127.0.0.0/8', 'loopback'],
  ['10.0.0.0/8', 'private'],
  ['172.16.0.0/12', 'private'],
  ['192.168.0.0/16', 'private'],
  ['100.64.0.0/10', 'shared'],
  ['169.254.0.0/16', 'link-local'],
  ['192.0.0.0/24', 'reserved'],
  ['192.0.2.0/24', 'documentation'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['192.88.99.0/24', 'reserved'],
  ['198.18.0.0/15', 'benchmarking'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
];

const V6_RANGES: Range[] = [
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['fd00:ec2::254/128', 'cloud-metadata'],
  // Local-use NAT64 prefix (RFC 8215): translated by a site's own gateway, to wherever it likes.
  ['64:ff9b:1::/48', 'private'],
  ['100::/64', 'reserved'],
  ['2001:2::/48', 'benchmarking'],
  ['2001:db8::/32', 'documentation'],
  ['3fff::/20', 'documentation'],
  ['2001:10::/28', 'reserved'],
  ['2001:20::/28', 'reserved'],
  ['5f00::/16', 'reserved'],
  ['fc00::/7', 'unique-local'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'private'],
  ['ff00::/8', 'multicast'],
];

function rangeLists(ranges: Range[], family: 'ipv4' | 'ipv6') {
  return ranges.map(([cidr, kind]) => {
    const [network = '', prefix = ''] = cidr.split('/');
    const list = new BlockList();
    list.addSubnet(network, Number(prefix), family);
    return { list, kind };
  });
}
const V4_LISTS = rangeLists(V4_RANGES, 'ipv4');
const V6_LISTS = rangeLists(V6_RANGES, 'ipv6');

/**
 * Reads an IP literal the way libc's resolver would (ffmpeg hands host names to getaddrinfo):
 * IPv6 with or without brackets, and IPv4 in inet_aton's forms: 1 to 4 parts, each decimal,
 * octal (leading 0) or hex (0x), the last part filling the remaining bytes (127.1, 2130706433,
 * 0x7f.1, 0177.0.0.1). Returns the canonical address, or undefined for anything else (a name).
 */
export function parseIpLiteral(text: string): { family: 4 | 6; address: string } | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  // A zone (fe80::1%eth0) picks the interface, not the address.
  if (isIP(bare) === 6) return { family: 6, address: formatV6(parseV6(bare.replace(/%.*$/, ''))) };
  const v4 = parseInetAton(bare.endsWith('.') ? bare.slice(0, -1) : bare);
  return v4 === undefined ? undefined : { family: 4, address: formatV4(v4) };
}

/** Classifies an IP literal in any form parseIpLiteral reads; throws on anything else. */
export function classifyAddress(text: string): ClassifiedAddress {
  const ip = parseIpLiteral(text);
  if (!ip) throw new Error(`${text} is not an IP address`);
  if (ip.family === 4) return { kind: classifyV4(ip.address), address: ip.address };
  const bytes = parseV6(ip.address);
  // An IPv6 address that carries an IPv4 one reaches (or is translated to) that IPv4 host.
  for (const v4 of embeddedV4(bytes)) {
    const kind = classifyV4(v4);
    if (kind !== 'public') return { kind, address: ip.address, via: v4 };
  }
  return { kind: classifyV6(bytes, ip.address), address: ip.address };
}

function classifyV4(address: string): AddressKind {
  return V4_LISTS.find((r) => r.list.check(address, 'ipv4'))?.kind ?? 'public';
}

function classifyV6(bytes: Uint8Array, address: string): AddressKind {
  const listed = V6_LISTS.find((r) => r.list.check(address, 'ipv6'));
  if (listed) return listed.kind;
  // Mapped and NAT64 with a public IPv4 inside are as public as that IPv4 (Teredo and 6to4 lie in
  // 2000::/3, public below; their embedded IPv4 is checked on its own).
  if (isMapped(bytes) || isWellKnownNat64(bytes)) return 'public';
  // IPv4-compatible (::a.b.c.d, deprecated) and the rest of ::/8 are not routable.
  // Outside 2000::/3 nothing is allocated for global unicast.
  return (bytes[0]! & 0xe0) === 0x20 ? 'public' : 'reserved';
}

/** Every IPv4 address the IPv6 address embeds, by the transition schemes that define one. */
function embeddedV4(b: Uint8Array): string[] {
  const tail = (from: number) =>
    formatV4(((b[from]! << 24) | (b[from + 1]! << 16) | (b[from + 2]! << 8) | b[from + 3]!) >>> 0);
  const zeros = (from: number, to: number) => b.subarray(from, to).every((x) => x === 0);
  const out: string[] = [];
  // ::ffff:a.b.c.d (mapped; ::ffff:0:0 is 0.0.0.0), ::a.b.c.d (compatible, also ::7f00:1; :: and ::1 are themselves), ::ffff:0:a.b.c.d (translated).
  const compatible = zeros(0, 12) && !zeros(12, 15);
  if (isMapped(b) || compatible || (zeros(0, 8) && b[8] === 0xff && b[9] === 0xff && b[10] === 0 && b[11] === 0))
    out.push(tail(12));
  if (isWellKnownNat64(b)) out.push(tail(12));
  if (is6to4(b)) out.push(tail(2));
  if (isTeredo(b)) {
    out.push(tail(4));
    const client = (((b[12]! ^ 0xff) << 24) | ((b[13]! ^ 0xff) << 16) | ((b[14]! ^ 0xff) << 8) | (b[15]! ^ 0xff)) >>> 0;
    out.push(formatV4(client));
  }
  return out;
}

const isMapped = (b: Uint8Array) => b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
const isWellKnownNat64 = (b: Uint8Array) =>
  b[0] === 0 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && b.subarray(4, 12).every((x) => x === 0);
const is6to4 = (b: Uint8Array) => b[0] === 0x20 && b[1] === 0x02;
const isTeredo = (b: Uint8Array) => b[0] === 0x20 && b[1] === 0x01 && b[2] === 0 && b[3] === 0;

function parseInetAton(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length > 4 || parts.some((p) => p === '')) return undefined;
  const values: number[] = [];
  for (const p of parts) {
    const m = /^(?:0x([0-9a-f]+)|(0[0-7]*)|([1-9][0-9]*))$/i.exec(p);
    if (!m) return undefined;
    const value = m[1] !== undefined ? parseInt(m[1], 16) : m[2] !== undefined ? parseInt(m[2], 8) : Number(m[3]);
    if (!Number.isSafeInteger(value)) return undefined;
    values.push(value);
  }
  const last = values.pop()!;
  if (values.some((v) => v > 255) || last >= 2 ** (8 * (4 - values.length))) return undefined;
  return values.reduce((acc, v, i) => acc + v * 2 ** (8 * (3 - i)), 0) + last;
}

function formatV4(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff).join('.');
}

/** 16 bytes of an address isIP already accepted as IPv6 (no zone: URLs cannot carry one). */
function parseV6(text: string): Uint8Array {
  let s = text.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (dotted) {
    const v = parseInetAton(dotted[1]!)!;
    s = `${s.slice(0, dotted.index)}${((v >>> 16) & 0xffff).toString(16)}:${(v & 0xffff).toString(16)}`;
  }
  const [head = '', tail] = s.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    bytes[i * 2] = v >> 8;
    bytes[i * 2 + 1] = v & 0xff;
  });
  return bytes;
}

function formatV6(b: Uint8Array): string {
  const groups = Array.from({ length: 8 }, (_, i) => (b[i * 2]! << 8) | b[i * 2 + 1]!);
  // Longest run of two or more zero groups becomes "::" (RFC 5952).
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}
