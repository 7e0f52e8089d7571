/**
 * Puts one camera's frames back into sequence order. Frames wait in a bounded window until their
 * predecessors arrive; a sequence announced as shed upstream (DetectionBatch.shed_sequences) is
 * not waited for; any other missing sequence is given up on when the oldest waiting frame has
 * waited gapTimeoutMs, or at once when the window is full. Frames arriving after their turn (late) or a
 * second time (duplicate) are refused, so the tracker only ever moves forward.
 */

export interface ReorderOptions {
  /** Most frames held while waiting for a missing one. */
  window: number;
  /** How long the oldest held frame may wait for its predecessors. */
  gapTimeoutMs: number;
}

export interface Released<T> {
  sequence: number;
  item: T;
  /** Sequence distance from the previous released frame (1 when none was missed). */
  framesElapsed: number;
}

export type Verdict = 'released' | 'buffered' | 'late' | 'duplicate';

export interface OfferResult<T> {
  verdict: Verdict;
  released: Array<Released<T>>;
  /** Sequence numbers given up on while releasing. */
  skipped: number;
  /** Sequence numbers passed over because they were announced as shed. */
  shed: number;
}

/** How many recently released sequences are remembered to tell duplicates from late frames. */
const RECENT = 4096;
/** How many announced-shed sequences ahead of the window are remembered. */
const MAX_ANNOUNCED = 4096;

export class ReorderBuffer<T> {
  private readonly held = new Map<number, { item: T; arrivedMs: number }>();
  private next: number | undefined;
  private lastReleased: number | undefined;
  private readonly recent = new Set<number>();
  private readonly announced = new Set<number>();
  private passedOver = 0;

  constructor(private readonly options: ReorderOptions) {
    if (options.window < 1) throw new RangeError('reorder window must be >= 1');
  }

  get depth(): number {
    return this.held.size;
  }

  /** The next sequence the buffer waits for; undefined before the first release. */
  get expected(): number | undefined {
    return this.next;
  }

  /**
   * Sequences that will never come (shed upstream): the window moves past them without waiting.
   * Call before offering the frame that announced them, so it can be released at once.
   */
  announceShed(sequences: readonly number[]): void {
    for (const s of sequences) {
      if (this.next !== undefined && s < this.next) continue;
      if (this.announced.size >= MAX_ANNOUNCED) break;
      this.announced.add(s);
    }
    // A stream starts at sequence 0: when that was shed, the window starts there.
    if (this.next === undefined && this.announced.has(0)) this.next = 0;
  }

  offer(sequence: number, item: T, nowMs: number): OfferResult<T> {
    this.passedOver = 0;
    if (this.next !== undefined && sequence < this.next) {
      return { verdict: this.recent.has(sequence) ? 'duplicate' : 'late', released: [], skipped: 0, shed: 0 };
    }
    if (this.held.has(sequence)) return { verdict: 'duplicate', released: [], skipped: 0, shed: 0 };
    this.held.set(sequence, { item, arrivedMs: nowMs });
    // A stream starts at sequence 0: nothing can precede it.
    if (this.next === undefined && sequence === 0) this.next = 0;
    let skipped = 0;
    const released = this.releaseReady();
    while (this.held.size > this.options.window) {
      const r = this.skipToOldest();
      skipped += r.skipped;
      released.push(...r.released);
    }
    const verdict: Verdict = released.some((r) => r.sequence === sequence) ? 'released' : 'buffered';
    return { verdict, released, skipped, shed: this.passedOver };
  }

  /** Gives up on missing frames once the oldest held frame has waited gapTimeoutMs. */
  expire(nowMs: number): { released: Array<Released<T>>; skipped: number; shed: number } {
    this.passedOver = 0;
    const released: Array<Released<T>> = [];
    let skipped = 0;
    for (;;) {
      const deadline = this.nextDeadline();
      if (deadline === undefined || deadline > nowMs) break;
      const r = this.skipToOldest();
      released.push(...r.released);
      skipped += r.skipped;
    }
    return { released, skipped, shed: this.passedOver };
  }

  /** When expire() will next have work: the oldest held frame's arrival + gapTimeoutMs. */
  nextDeadline(): number | undefined {
    let oldest: number | undefined;
    for (const { arrivedMs } of this.held.values()) if (oldest === undefined || arrivedMs < oldest) oldest = arrivedMs;
    return oldest === undefined ? undefined : oldest + this.options.gapTimeoutMs;
  }

  /** Releases everything held, in order, skipping whatever is missing (end of a stream run). */
  flush(): { released: Array<Released<T>>; skipped: number; shed: number } {
    this.passedOver = 0;
    const released: Array<Released<T>> = [];
    let skipped = 0;
    while (this.held.size > 0) {
      const r = this.skipToOldest();
      released.push(...r.released);
      skipped += r.skipped;
    }
    this.announced.clear();
    return { released, skipped, shed: this.passedOver };
  }

  /** Held items without releasing them (for a hand-over: they will be redelivered elsewhere). */
  clear(): T[] {
    const items = [...this.held.values()].map((h) => h.item);
    this.held.clear();
    return items;
  }

  private skipToOldest(): { released: Array<Released<T>>; skipped: number } {
    const oldest = Math.min(...this.held.keys());
    const from = this.next ?? oldest;
    let shed = 0;
    for (const s of this.announced) {
      if (s >= from && s < oldest) {
        this.announced.delete(s);
        shed++;
      }
    }
    this.passedOver += shed;
    const skipped = this.next === undefined ? 0 : oldest - this.next - shed;
    this.next = oldest;
    return { released: this.releaseReady(), skipped };
  }

  private releaseReady(): Array<Released<T>> {
    const out: Array<Released<T>> = [];
    if (this.next === undefined) return out;
    for (;;) {
      if (this.announced.delete(this.next)) {
        if (!this.held.has(this.next)) {
          this.passedOver++;
          this.next++;
          continue;
        }
      }
      const h = this.held.get(this.next);
      if (!h) break;
      this.held.delete(this.next);
      out.push({
        sequence: this.next,
        item: h.item,
        framesElapsed: this.lastReleased === undefined ? 1 : this.next - this.lastReleased,
      });
      this.remember(this.next);
      this.lastReleased = this.next;
      this.next++;
    }
    return out;
  }

  private remember(sequence: number): void {
    this.recent.add(sequence);
    if (this.recent.size > RECENT) {
      const first = this.recent.values().next().value as number;
      this.recent.delete(first);
    }
  }
}
