import { realpathSync, statSync } from 'node:fs';
import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from '@va/common';
import { checkHost, HostRefusedError, type Resolver, systemResolver } from './source-host.js';

export const SOURCE_SCHEMES = ['rtsp', 'rtsps', 'http', 'https', 'file', 'testsrc'] as const;
export type SourceScheme = (typeof SOURCE_SCHEMES)[number];

/** ffmpeg lavfi sources that make a moving or still picture with no input. */
export const TEST_PATTERNS = [
  'testsrc',
  'testsrc2',
  'smptebars',
  'smptehdbars',
  'rgbtestsrc',
  'yuvtestsrc',
  'mandelbrot',
  'life',
  'color',
] as const;

export type SourceUrl =
  | { kind: 'file'; path: string }
  | NetworkSource
  | { kind: 'testsrc'; pattern: (typeof TEST_PATTERNS)[number]; width: number; height: number; rate: number };

/** A camera reached over the network; `host` is checked again (and resolved) before every connect. */
export interface NetworkSource {
  kind: 'rtsp' | 'http';
  url: string;
  /** The URL's host without brackets: a name or an IP literal. */
  host: string;
  /** rtsps: or https: (the name must reach ffmpeg for TLS, so it cannot be pinned to an address). */
  tls: boolean;
}

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
 * resolved here so a name that points at this machine or a private network is refused at once
 * (source-host.ts); the supervisor checks again before each connect, when it also pins the address.
 */
export async function parseSourceUrl(
  raw: string,
  policy: SourcePolicy,
  resolve: Resolver = systemResolver,
): Promise<SourceUrl> {
  if (raw.length === 0) invalid('url is required');
  if (raw.length > 2048) invalid('url is longer than 2048 characters');
  if (/\s/.test(raw) || [...raw].some((c) => c.charCodeAt(0) < 0x20))
    invalid('url must not contain spaces or control characters');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    invalid(`url "${raw.slice(0, 100)}" is not a URL`);
  }
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  if (!(SOURCE_SCHEMES as readonly string[]).includes(scheme))
    invalid(`url scheme "${scheme}:" is not supported (supported: ${SOURCE_SCHEMES.join(', ')})`);
  if (!policy.allowedSchemes.includes(scheme as SourceScheme))
    invalid(`url scheme "${scheme}:" is not allowed here (allowed: ${policy.allowedSchemes.join(', ')})`);
  switch (scheme as SourceScheme) {
    case 'file':
      return { kind: 'file', path: checkFile(url, policy.fileRoot) };
    case 'testsrc':
      return parseTestPattern(url, policy);
    case 'rtsp':
    case 'rtsps':
    case 'http':
    case 'https':
      return {
        kind: scheme.startsWith('rtsp') ? 'rtsp' : 'http',
        url: url.href,
        host: await checkNetworkHost(url, policy.allowLocalNetwork, resolve),
        tls: scheme.endsWith('s'),
      };
  }
}

async function checkNetworkHost(url: URL, allowLocalNetwork: boolean, resolve: Resolver): Promise<string> {
  try {
    return (await checkHost(url.hostname, allowLocalNetwork, resolve)).host;
  } catch (err) {
    if (!(err instanceof HostRefusedError)) throw err;
    // A camera's name may not resolve yet: the stream is accepted and backs off until it does.
    if (err.unresolved) return url.hostname.replace(/^\[|\]$/g, '');
    invalid(err.message);
  }
}

function checkFile(url: URL, root: string | undefined): string {
  if (root === undefined) invalid('file: sources are off (set VA_INGEST_FILE_ROOT to allow files under a folder)');
  if (url.host !== '' && url.host !== 'localhost') invalid('file: URLs must be file:///absolute/path');
  // One answer for missing, outside the root (symlinks resolved), unreadable and not a file, so
  // the error never tells whether a path outside the root exists.
  const refused = (): never => invalid(`file ${safeDecode(url.pathname)} is not a file under VA_INGEST_FILE_ROOT`);
  try {
    const path = realpathSync(fileURLToPath(url));
    if (path !== root && !path.startsWith(root.endsWith(sep) ? root : root + sep)) refused();
    if (!statSync(path).isFile()) refused();
    return path;
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw err;
    return refused();
  }
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function parseTestPattern(url: URL, policy: SourcePolicy): SourceUrl {
  const pattern = url.hostname || url.pathname.replace(/^\/+/, '');
  if (!(TEST_PATTERNS as readonly string[]).includes(pattern))
    invalid(`test pattern "${pattern}" is unknown (known: ${TEST_PATTERNS.join(', ')})`);
  const size = url.searchParams.get('size') ?? '640x360';
  const m = /^(\d{1,5})x(\d{1,5})$/.exec(size);
  if (!m) invalid(`test pattern size "${size}" must be WxH`);
  const width = Number(m[1]);
  const height = Number(m[2]);
  if (width < 16 || height < 16 || width > policy.maxWidth || height > policy.maxHeight) {
    invalid(`test pattern size ${size} must be between 16x16 and ${policy.maxWidth}x${policy.maxHeight}`);
  }
  const rate = Number(url.searchParams.get('rate') ?? '25');
  if (!Number.isFinite(rate) || rate <= 0 || rate > policy.maxFps)
    invalid(`test pattern rate must be > 0 and <= ${policy.maxFps}`);
  for (const key of url.searchParams.keys())
    if (key !== 'size' && key !== 'rate') invalid(`test pattern parameter "${key}" is unknown (size, rate)`);
  return { kind: 'testsrc', pattern: pattern as (typeof TEST_PATTERNS)[number], width, height, rate };
}

/**
 * Camera URLs may carry credentials: every URL in `text` (a URL, an ffmpeg error line, a command
 * line) gets its password replaced by *** before it is logged or shown in a status.
 */
export function redact(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/[^\s/:@]*):[^\s/@]*@/gi, '$1:***@');
}
