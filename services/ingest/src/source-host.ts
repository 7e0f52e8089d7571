import { lookup } from 'node:dns/promises';
import { classifyAddress, LOCAL_KINDS, parseIpLiteral, type ClassifiedAddress } from './ip-address.js';

export type Resolver = (host: string) => Promise<string[]>;

/** libc's resolver through Node, as ffmpeg's getaddrinfo would answer: every address, both families. */
export const systemResolver: Resolver = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/** A host that may not be reached, or cannot be resolved; the message says which and why. */
export class HostRefusedError extends Error {
  constructor(
    message: string,
    /** True when the name did not resolve (it may later); false when the policy refuses it. */
    readonly unresolved = false,
  ) {
    super(message);
  }
}

export interface CheckedHost {
  /** The host as the URL gave it, without brackets. */
  host: string;
  /** Every address it stands for, canonical, each checked; an IP literal gives itself. */
  addresses: string[];
}

/**
 * Resolves `host` (an IP literal in any form libc reads, or a name) and checks every address:
 * public ones always pass, loopback / private / link-local / unique-local / CGNAT only when
 * `allowLocalNetwork`, and the rest (cloud metadata, unspecified, multicast, broadcast, reserved,
 * documentation, benchmarking) never.
 */
export async function checkHost(
  rawHost: string,
  allowLocalNetwork: boolean,
  resolve: Resolver = systemResolver,
): Promise<CheckedHost> {
  const host = rawHost.replace(/^\[|\]$/g, '');
  if (host === '') throw new HostRefusedError('url has no host');
  const literal = parseIpLiteral(host);
  let addresses: string[];
  if (literal) {
    addresses = [literal.address];
  } else {
    if (isLocalhostName(host) && !allowLocalNetwork)
      throw new HostRefusedError(refusal(host, { kind: 'loopback', address: host }));
    try {
      addresses = await resolve(host);
    } catch (err) {
      throw new HostRefusedError(
        `host ${host} does not resolve (${(err as { code?: string }).code ?? 'lookup failed'})`,
        true,
      );
    }
    if (addresses.length === 0) throw new HostRefusedError(`host ${host} does not resolve`, true);
  }
  const classified = addresses.map(classifyAddress);
  const refused = classified.find((c) => c.kind !== 'public' && !(allowLocalNetwork && LOCAL_KINDS.has(c.kind)));
  if (refused) throw new HostRefusedError(refusal(host, refused, allowLocalNetwork));
  return { host, addresses: classified.map((c) => c.address) };
}

/** RFC 6761: localhost and every name under it are this machine, whatever DNS says. */
function isLocalhostName(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

function refusal(host: string, c: ClassifiedAddress, allowLocalNetwork = false): string {
  const shown = [c.address !== host ? c.address : undefined, c.via].filter(Boolean).join(' = ');
  const what = `host ${host}${shown ? ` (${shown})` : ''} is a ${c.kind} address`;
  if (LOCAL_KINDS.has(c.kind)) return `${what} on a local network; set VA_INGEST_ALLOW_LOCAL_NETWORK=true to allow it`;
  return `${what}, never a camera${allowLocalNetwork ? ' (VA_INGEST_ALLOW_LOCAL_NETWORK does not cover it)' : ''}`;
}
