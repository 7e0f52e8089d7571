import { lookup } from 'node:dns/promises';
import { realpathSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from '@va/common';

export const SOURCE_SCHEMES = ['rtsp', 'rtsps', 'http', 'https', 'file', 'testsrc'] as const;
export type SourceScheme = (typeof SOURCE_SCHEMES)[number];

/** ffmpeg lavfi sources that make a moving or still picture with no input. */
export const TEST_PATTERNS = ['testsrc', 'testsrc2', 'smptebars', 'smptehdbars', 'rgbtestsrc', 'yuvtestsrc', 'mandelbrot', 'life', 'color'] as const;

export type SourceUrl =
  | { kind: 'file'; path: string }
  | { kind: 'rtsp'; url: string; host: string }
  | { kind: 'http'; url: string; host: string }
  | { kind: 'testsrc'; pattern: (typeof TEST_PATTERNS)[number]; width: number; height: number; rate: number };

export interface SourcePolicy {
  allowedSchemes: readonly SourceScheme[];
  fileRoot: string | undefined;
  allowLocalNetwork: boolean;
  maxWidth: number;
  maxHeight: number;
  maxFps: number;
}

const FIELD = 'spec.url';

function invalid(message: string): never {
  throw new InvalidArgumentError(message, FIELD);
}

/**
 * Checks a source URL against the policy and returns what ffmpeg needs. Network hosts are
 * resolved here so a name that points at this machine or a private network is refused too
 * (unless VA_INGEST_ALLOW_LOCAL_NETWORK); ffmpeg resolves again when it connects.
 */
export async function parseSourceUrl(raw: string, policy: SourcePolicy): Promise<SourceUrl> {
  if (raw.length === 0) invalid('url is required');
  if (raw.length > 2048) invalid('url is longer than 2048 characters');
  if (/\s/.test(raw) || [...raw].some((c) => c.charCodeAt(0) < 0x20)) invalid('url must not contain spaces or control characters');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    invalid(`url "${raw.slice(0, 100)}" is not a URL`);
  }
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  if (!(SOURCE_SCHEMES as readonly string[]).includes(scheme)) invalid(`url scheme "${scheme}:" is not supported (supported: ${SOURCE_SCHEMES.join(', ')})`);
  if (!policy.allowedSchemes.includes(scheme as SourceScheme)) invalid(`url scheme "${scheme}:" is not allowed here (allowed: ${policy.allowedSchemes.join(', ')})`);
  switch (scheme as SourceScheme) {
    case 'file':
      return { kind: 'file', path: checkFile(url, policy.fileRoot) };
    case 'testsrc':
      return parseTestPattern(url, policy);
    case 'rtsp':
    case 'rtsps':
      await checkHost(url, policy.allowLocalNetwork);
      return { kind: 'rtsp', url: url.href, host: url.hostname };
    case 'http':
    case 'https':
      await checkHost(url, policy.allowLocalNetwork);
      return { kind: 'http', url: url.href, host: url.hostname };
  }
}

function checkFile(url: URL, root: string | undefined): string {
  if (root === undefined) invalid('file: sources are off (set VA_INGEST_FILE_ROOT to allow files under a folder)');
  if (url.host !== '' && url.host !== 'localhost') invalid('file: URLs must be file:///absolute/path');
  let path: string;
  try {
    path = realpathSync(fileURLToPath(url));
  } catch {
    invalid(`file ${decodeURIComponent(url.pathname)} does not exist`);
  }
  if (path !== root && !path.startsWith(root.endsWith(sep) ? root : root + sep)) {
    invalid(`file ${decodeURIComponent(url.pathname)} is outside the allowed folder ${root}`);
  }
  if (!statSync(path).isFile()) invalid(`${decodeURIComponent(url.pathname)} is not a file`);
  return path;
}

function parseTestPattern(url: URL, policy: SourcePolicy): SourceUrl {
  const pattern = url.hostname || url.pathname.replace(/^\/+/, '');
  if (!(TEST_PATTERNS as readonly string[]).includes(pattern)) invalid(`test pattern "${pattern}" is unknown (known: ${TEST_PATTERNS.join(', ')})`);
  const size = url.searchParams.get('size') ?? '640x360';
  const m = /^(\d{1,5})x(\d{1,5})$/.exec(size);
  if (!m) invalid(`test pattern size "${size}" must be WxH`);
  const width = Number(m[1]);
  const height = Number(m[2]);
  if (width < 16 || height < 16 || width > policy.maxWidth || height > policy.maxHeight) {
    invalid(`test pattern size ${size} must be between 16x16 and ${policy.maxWidth}x${policy.maxHeight}`);
  }
  const rate = Number(url.searchParams.get('rate') ?? '25');
  if (!Number.isFinite(rate) || rate <= 0 || rate > policy.maxFps) invalid(`test pattern rate must be > 0 and <= ${policy.maxFps}`);
  for (const key of url.searchParams.keys()) if (key !== 'size' && key !== 'rate') invalid(`test pattern parameter "${key}" is unknown (size, rate)`);
  return { kind: 'testsrc', pattern: pattern as (typeof TEST_PATTERNS)[number], width, height, rate };
}

async function checkHost(url: URL, allowLocal: boolean): Promise<void> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (host === '') invalid('url has no host');
  if (allowLocal) return;
  const addresses = isIP(host) ? [host] : await resolve(host);
  const local = addresses.find(isLocalAddress);
  if (local !== undefined || host.toLowerCase() === 'localhost') {
    invalid(`host ${host}${local && local !== host ? ` (${local})` : ''} is on a local network; set VA_INGEST_ALLOW_LOCAL_NETWORK=true to allow it`);
  }
}

async function resolve(host: string): Promise<string[]> {
  try {
    return (await lookup(host, { all: true })).map((a) => a.address);
  } catch {
    // An unresolvable name may resolve later (camera DNS); ffmpeg will report it and the stream backs off.
    return [];
  }
}

/** Loopback, private (RFC 1918, ULA), link-local, CGNAT, unspecified and multicast addresses. */
export function isLocalAddress(address: string): boolean {
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(v4) === 4) {
    const [a = 0, b = 0] = v4.split('.').map(Number);
    return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127) || a >= 224;
  }
  const v6 = address.toLowerCase();
  return v6 === '::' || v6 === '::1' || /^f[cd]/.test(v6) || /^fe[89ab]/.test(v6) || v6.startsWith('ff');
}

/**
 * Camera URLs may carry credentials: every URL in `text` (a URL, an ffmpeg error line, a command
 * line) gets its password replaced by *** before it is logged or shown in a status.
 */
export function redact(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/[^\s/:@]*):[^\s/@]*@/gi, '$1:***@');
}
