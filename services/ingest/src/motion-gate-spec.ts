import { InvalidArgumentError } from '@va/common';
import type { MotionGate as MotionGateSpec } from '@va/proto/va/ingest/v1/ingest';
import type { MotionGateSettings } from './motion-gate.js';

export const MIN_FORCE_DETECT_MS = 100;
/** A forced detection at least hourly: a gate never keeps the detector away from a camera for longer. */
export const MAX_FORCE_DETECT_MS = 3_600_000;
export const MAX_MASKS = 16;
export const MAX_MASK_POINTS = 64;

/** The service defaults for a stream's gate (config.ts: VA_INGEST_MOTION_*). */
export type MotionGateDefaults = { enabled: boolean } & Omit<MotionGateSettings, 'masks'>;

/**
 * Validates StreamSpec.motion_gate, filling zero fields from the service defaults. Returns the
 * spec as persisted and reported (defaults explicit) and the gate's settings, undefined when off.
 */
export function validateMotionGate(
  spec: MotionGateSpec | undefined,
  defaults: MotionGateDefaults,
): { spec: MotionGateSpec; settings: MotionGateSettings | undefined } {
  const gate = spec ?? {
    enabled: defaults.enabled,
    pixelThreshold: 0,
    minChangedShare: 0,
    forceDetectEveryMs: 0,
    masks: [],
  };
  const pixelThreshold = gate.pixelThreshold === 0 ? defaults.pixelThreshold : gate.pixelThreshold;
  if (pixelThreshold < 1 || pixelThreshold > 255)
    throw new InvalidArgumentError(
      'pixel_threshold must be 0 (service default) or 1..255',
      'spec.motion_gate.pixel_threshold',
    );
  const minChangedShare = gate.minChangedShare === 0 ? defaults.minChangedShare : gate.minChangedShare;
  if (!Number.isFinite(minChangedShare) || minChangedShare <= 0 || minChangedShare > 1) {
    throw new InvalidArgumentError(
      'min_changed_share must be 0 (service default) or in (0, 1]',
      'spec.motion_gate.min_changed_share',
    );
  }
  const forceDetectEveryMs = gate.forceDetectEveryMs === 0 ? defaults.forceDetectEveryMs : gate.forceDetectEveryMs;
  if (forceDetectEveryMs < MIN_FORCE_DETECT_MS || forceDetectEveryMs > MAX_FORCE_DETECT_MS) {
    throw new InvalidArgumentError(
      `force_detect_every_ms must be 0 (service default) or ${MIN_FORCE_DETECT_MS}..${MAX_FORCE_DETECT_MS}`,
      'spec.motion_gate.force_detect_every_ms',
    );
  }
  if (gate.masks.length > MAX_MASKS)
    throw new InvalidArgumentError(`at most ${MAX_MASKS} mask polygons`, 'spec.motion_gate.masks');
  const masks = gate.masks.map((polygon, i) => {
    const field = `spec.motion_gate.masks[${i}]`;
    if (polygon.points.length < 3 || polygon.points.length > MAX_MASK_POINTS)
      throw new InvalidArgumentError(`a mask polygon has 3..${MAX_MASK_POINTS} points`, field);
    for (const p of polygon.points) {
      if (!(p.x >= 0 && p.x <= 1 && p.y >= 0 && p.y <= 1))
        throw new InvalidArgumentError('mask points are normalised picture coordinates in 0..1', field);
    }
    return polygon.points.map((p) => ({ x: p.x, y: p.y }));
  });
  const filled: MotionGateSpec = {
    enabled: gate.enabled,
    pixelThreshold,
    minChangedShare,
    forceDetectEveryMs,
    masks: masks.map((points) => ({ points })),
  };
  return {
    spec: filled,
    settings: gate.enabled ? { pixelThreshold, minChangedShare, forceDetectEveryMs, masks } : undefined,
  };
}
