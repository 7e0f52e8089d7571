import type { Box } from '../tracker/box.js';
import { footPoint } from '../tracker/box.js';
import { crossing, pointInPolygon, side, type Crossing, type Pt } from './geometry.js';

export interface ZoneDef {
  zoneId: string;
  polygon: readonly Pt[];
  /** Class names this zone reports; empty for all. */
  classes: readonly string[];
}

export interface LineDef {
  lineId: string;
  a: Pt;
  b: Pt;
  classes: readonly string[];
}

export interface ZoneConfig {
  zones: readonly ZoneDef[];
  lines: readonly LineDef[];
}

export type ZoneHit =
  | { kind: 'enter' | 'exit'; trackKey: string; zoneId: string; box: Box }
  | { kind: 'cross'; trackKey: string; lineId: string; direction: Crossing; box: Box };

export interface ObservedTrack {
  key: string;
  className: string;
  box: Box;
}

interface TrackGeometry {
  inside: Set<string>;
  last: Pt;
  /** Side of each line the track was last seen on (never 0). */
  sides: Map<string, number>;
}

/**
 * Per-camera zone membership and line crossings of tracks, tested on the box's bottom centre
 * (where the object meets the ground). Only positions backed by a detection are observed, so a
 * coasting prediction never fires an event. A zone added while a track stands in it reports an
 * enter on the next observation; a removed zone is forgotten silently.
 */
export class ZoneMonitor {
  private config: ZoneConfig = { zones: [], lines: [] };
  private readonly tracks = new Map<string, TrackGeometry>();

  get current(): ZoneConfig {
    return this.config;
  }

  setConfig(config: ZoneConfig): void {
    this.config = config;
    const zoneIds = new Set(config.zones.map((z) => z.zoneId));
    const lineIds = new Set(config.lines.map((l) => l.lineId));
    for (const g of this.tracks.values()) {
      for (const z of g.inside) if (!zoneIds.has(z)) g.inside.delete(z);
      for (const l of g.sides.keys()) if (!lineIds.has(l)) g.sides.delete(l);
    }
  }

  /** Events for tracks observed (matched to a detection) in this frame, in a stable order. */
  observe(observed: readonly ObservedTrack[]): ZoneHit[] {
    const hits: ZoneHit[] = [];
    if (this.config.zones.length === 0 && this.config.lines.length === 0) return hits;
    for (const t of observed) {
      const p = footPoint(t.box);
      let g = this.tracks.get(t.key);
      const isNew = !g;
      if (!g) {
        g = { inside: new Set(), last: p, sides: new Map() };
        this.tracks.set(t.key, g);
      }
      for (const z of this.config.zones) {
        if (!applies(z.classes, t.className)) continue;
        const inside = pointInPolygon(p, z.polygon);
        if (inside && !g.inside.has(z.zoneId)) {
          g.inside.add(z.zoneId);
          hits.push({ kind: 'enter', trackKey: t.key, zoneId: z.zoneId, box: t.box });
        } else if (!inside && g.inside.has(z.zoneId)) {
          g.inside.delete(z.zoneId);
          hits.push({ kind: 'exit', trackKey: t.key, zoneId: z.zoneId, box: t.box });
        }
      }
      for (const l of this.config.lines) {
        if (!applies(l.classes, t.className)) continue;
        const now = Math.sign(side(l.a, l.b, p));
        const before = g.sides.get(l.lineId);
        if (!isNew && before !== undefined) {
          const direction = crossing(l.a, l.b, g.last, p, before);
          if (direction) hits.push({ kind: 'cross', trackKey: t.key, lineId: l.lineId, direction, box: t.box });
        }
        if (now !== 0) g.sides.set(l.lineId, now);
      }
      g.last = p;
    }
    return hits;
  }

  /** A track ended: exits for the zones it was in; its state is dropped. */
  end(key: string, box: Box): ZoneHit[] {
    const g = this.tracks.get(key);
    this.tracks.delete(key);
    if (!g) return [];
    return [...g.inside].sort().map((zoneId) => ({ kind: 'exit' as const, trackKey: key, zoneId, box }));
  }

  /** Forgets every track (stream restart). */
  reset(): void {
    this.tracks.clear();
  }
}

function applies(classes: readonly string[], className: string): boolean {
  return classes.length === 0 || classes.includes(className);
}
