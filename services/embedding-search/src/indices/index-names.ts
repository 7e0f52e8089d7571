/**
 * The kinds of data this service keeps in Elasticsearch. Each kind has one composable index
 * template, daily indices `<prefix>-<kind>-YYYY.MM.DD` (UTC) and a read alias `<prefix>-<kind>`
 * over all of them.
 */
export const INDEX_KINDS = [
  'detections',
  'tracks',
  'track-events',
  'embeddings',
  'flags',
  'reviews',
  'dead-letters',
] as const;
export type IndexKind = (typeof INDEX_KINDS)[number];

const DAY_MS = 86_400_000;
const DAILY_SUFFIX = /^(\d{4})\.(\d{2})\.(\d{2})$/;

export class IndexNames {
  constructor(readonly prefix: string) {}

  /** The alias every daily index of `kind` joins; searches go through it. */
  alias(kind: IndexKind): string {
    return `${this.prefix}-${kind}`;
  }

  /** The name of the composable index template of `kind`. */
  template(kind: IndexKind): string {
    return `${this.prefix}-${kind}`;
  }

  /** Matches every daily index of `kind` (and nothing of another kind: kinds do not prefix each other). */
  pattern(kind: IndexKind): string {
    return `${this.prefix}-${kind}-*`;
  }

  /** The daily index a document with event time `tsMs` belongs to. */
  daily(kind: IndexKind, tsMs: number): string {
    const d = new Date(tsMs);
    const mm = String(d.getUTCMonth() + 1).padStart(2, '0');
    const dd = String(d.getUTCDate()).padStart(2, '0');
    return `${this.prefix}-${kind}-${d.getUTCFullYear()}.${mm}.${dd}`;
  }

  /** Start of the UTC day a daily index of `kind` holds, or undefined for any other name. */
  dayOf(kind: IndexKind, index: string): number | undefined {
    const head = `${this.prefix}-${kind}-`;
    if (!index.startsWith(head)) return undefined;
    const m = DAILY_SUFFIX.exec(index.slice(head.length));
    if (!m) return undefined;
    const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    return Number.isNaN(ms) || this.daily(kind, ms) !== index ? undefined : ms;
  }
}

/** Start of the UTC day `days` whole days before the day of `nowMs`: daily indices before it have expired. */
export function retentionCutoff(nowMs: number, days: number): number {
  return Math.floor(nowMs / DAY_MS) * DAY_MS - (days - 1) * DAY_MS;
}
