/**
 * A stable 32-bit hash of a string: FNV-1a over its UTF-16 code units, then MurmurHash3's
 * finaliser so nearby inputs (cam-1, cam-2) spread over all bits. The same on every process and
 * release: camera partitioning (tracking) and canary routing (batching-inference) depend on it.
 */
export function stableHash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
