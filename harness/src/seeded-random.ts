/** A small seeded generator (mulberry32): benchmarks and synthetic scenes are the same on every run. */
export class SeededRandom {
  private state: number;
  private spare: number | undefined;

  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  int(lo: number, hiInclusive: number): number {
    return lo + Math.floor(this.next() * (hiInclusive - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Standard normal (Box-Muller). */
  gaussian(mean = 0, sd = 1): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return mean + sd * s;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return mean + sd * r * Math.cos(2 * Math.PI * v);
  }

  poisson(lambda: number): number {
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = this.next();
    while (p > limit) {
      k++;
      p *= this.next();
    }
    return k;
  }

  /** A random unit vector. */
  unitVector(dim: number): Float64Array {
    const v = new Float64Array(dim);
    let s = 0;
    for (let i = 0; i < dim; i++) {
      v[i] = this.gaussian();
      s += (v[i] as number) ** 2;
    }
    const inv = 1 / Math.sqrt(s);
    for (let i = 0; i < dim; i++) v[i] = (v[i] as number) * inv;
    return v;
  }
}

/** The generator as a function, seeded by a number or by a string (through its FNV-1a hash). */
export function seededRandom(seed: number | string): () => number {
  const r = new SeededRandom(typeof seed === 'string' ? fnv1a(seed) : seed);
  return () => r.next();
}

/** FNV-1a over the string's UTF-16 code units: a seed from a name. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
