import { InvalidArgumentError, isCameraId } from '@va/common';
import type { CountingLine, Zone } from '@va/proto/va/tracking/v1/tracking';
import { signedArea2, type Pt } from './geometry.js';
import type { ZoneConfig } from './zone-monitor.js';

/** Bounds on what one camera may be configured with; they keep per-frame work small. */
export const ZONE_LIMITS = {
  zones: 64,
  lines: 64,
  pointsPerZone: 256,
  classesPerItem: 32,
  /** Coordinates are source-frame pixels; anything beyond this is a mistake. */
  maxCoordinate: 100_000,
} as const;

const ID = /^[A-Za-z0-9_.:-]{1,64}$/;

/**
 * Checks a camera's zones and lines and returns them in the monitor's form; otherwise throws
 * InvalidArgumentError naming every problem (field paths like zones[2].polygon[0].x).
 */
export function validateZoneConfig(
  cameraId: string,
  zones: readonly Zone[],
  lines: readonly CountingLine[],
): ZoneConfig {
  const problems: string[] = [];
  if (!isCameraId(cameraId)) problems.push(`camera_id "${cameraId.slice(0, 80)}" must match [A-Za-z0-9_-]{1,64}`);
  if (zones.length > ZONE_LIMITS.zones)
    problems.push(`at most ${ZONE_LIMITS.zones} zones per camera (got ${zones.length})`);
  if (lines.length > ZONE_LIMITS.lines)
    problems.push(`at most ${ZONE_LIMITS.lines} lines per camera (got ${lines.length})`);

  const point = (p: { x: number; y: number } | undefined, field: string): Pt | undefined => {
    if (!p) {
      problems.push(`${field} is missing`);
      return undefined;
    }
    for (const axis of ['x', 'y'] as const) {
      const v = p[axis];
      if (!Number.isFinite(v) || Math.abs(v) > ZONE_LIMITS.maxCoordinate)
        problems.push(`${field}.${axis} must be a finite number within ±${ZONE_LIMITS.maxCoordinate}`);
    }
    return { x: p.x, y: p.y };
  };
  const classes = (list: readonly string[], field: string) => {
    if (list.length > ZONE_LIMITS.classesPerItem)
      problems.push(`${field}: at most ${ZONE_LIMITS.classesPerItem} classes`);
    list.forEach((c, i) => {
      if (c.length === 0 || c.length > 64) problems.push(`${field}[${i}] must be a class name of 1 to 64 characters`);
    });
    return [...list];
  };
  const ids = new Set<string>();
  const checkId = (id: string, field: string) => {
    if (!ID.test(id)) problems.push(`${field} "${id.slice(0, 80)}" must match ${ID.source}`);
    else if (ids.has(id)) problems.push(`${field} "${id}" is used twice (zone and line ids share one namespace)`);
    ids.add(id);
  };

  const outZones = zones.slice(0, ZONE_LIMITS.zones).map((z, i) => {
    const field = `zones[${i}]`;
    checkId(z.zoneId, `${field}.zone_id`);
    if (z.polygon.length < 3) problems.push(`${field}.polygon needs at least 3 points (got ${z.polygon.length})`);
    if (z.polygon.length > ZONE_LIMITS.pointsPerZone)
      problems.push(`${field}.polygon: at most ${ZONE_LIMITS.pointsPerZone} points`);
    const polygon = z.polygon
      .slice(0, ZONE_LIMITS.pointsPerZone)
      .map((p, k) => point(p, `${field}.polygon[${k}]`) ?? { x: 0, y: 0 });
    if (
      polygon.length >= 3 &&
      polygon.every((p) => Number.isFinite(p.x) && Number.isFinite(p.y)) &&
      signedArea2(polygon) === 0
    ) {
      problems.push(`${field}.polygon has no area (its points are on one line)`);
    }
    return { zoneId: z.zoneId, polygon, classes: classes(z.classes, `${field}.classes`) };
  });
  const outLines = lines.slice(0, ZONE_LIMITS.lines).map((l, i) => {
    const field = `lines[${i}]`;
    checkId(l.lineId, `${field}.line_id`);
    const a = point(l.a, `${field}.a`) ?? { x: 0, y: 0 };
    const b = point(l.b, `${field}.b`) ?? { x: 0, y: 0 };
    if (l.a && l.b && a.x === b.x && a.y === b.y) problems.push(`${field}: a and b must differ`);
    return { lineId: l.lineId, a, b, classes: classes(l.classes, `${field}.classes`) };
  });

  if (problems.length > 0) {
    const shown = problems.slice(0, 20);
    const more = problems.length > shown.length ? ` (and ${problems.length - shown.length} more)` : '';
    throw new InvalidArgumentError(`invalid zones for camera ${cameraId.slice(0, 80)}: ${shown.join('; ')}${more}`);
  }
  return { zones: outZones, lines: outLines };
}
