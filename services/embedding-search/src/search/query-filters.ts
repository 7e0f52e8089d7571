import type { estypes } from '@elastic/elasticsearch';
import { InvalidArgumentError, isCameraId } from '@va/common';
import { TrackEventType } from '@va/proto/va/common/v1/track';
import type { SearchFilter } from '@va/proto/va/search/v1/search';
import { eventTypeName } from '../documents/track-events.js';
import type { CameraDirectory } from './camera-directory.js';

const MAX_VALUES = 100;
const MAX_NAME = 256;

/** Checks a filter; with a directory, camera ids that were never indexed are rejected too. */
export async function validateFilter(
  filter: SearchFilter | undefined,
  cameras?: CameraDirectory,
  signal?: AbortSignal,
): Promise<void> {
  if (!filter) return;
  if (filter.cameraIds.length > MAX_VALUES)
    throw new InvalidArgumentError(`filter.camera_ids: at most ${MAX_VALUES}`, 'filter.camera_ids');
  const malformed = filter.cameraIds.filter((c) => !isCameraId(c));
  if (malformed.length > 0)
    throw new InvalidArgumentError(
      `filter.camera_ids: "${malformed[0]?.slice(0, 80)}" is not a camera id ([A-Za-z0-9_-]{1,64})`,
      'filter.camera_ids',
    );
  if (filter.classNames.length > MAX_VALUES)
    throw new InvalidArgumentError(`filter.class_names: at most ${MAX_VALUES}`, 'filter.class_names');
  if (filter.classNames.some((c) => c.length === 0 || c.length > MAX_NAME))
    throw new InvalidArgumentError(`filter.class_names: names must be 1..${MAX_NAME} characters`, 'filter.class_names');
  const range = filter.timeRange;
  if (range) {
    if (range.fromMs < 0 || range.toMs < 0)
      throw new InvalidArgumentError(
        'filter.time_range: times are ms since the epoch, not negative',
        'filter.time_range',
      );
    if (range.fromMs > 0 && range.toMs > 0 && range.fromMs > range.toMs)
      throw new InvalidArgumentError('filter.time_range: from_ms is after to_ms', 'filter.time_range');
  }
  if (cameras) {
    const unknown = await cameras.unknown(filter.cameraIds, signal);
    if (unknown.length > 0)
      throw new InvalidArgumentError(
        `filter.camera_ids: unknown camera ${unknown.slice(0, 5).join(', ')} (nothing was ever indexed for it)`,
        'filter.camera_ids',
      );
  }
}

/** Event types as stored; UNSPECIFIED and unknown numbers are rejected. */
export function eventTypeNames(types: readonly TrackEventType[]): string[] {
  for (const t of types) {
    if (
      t === TrackEventType.TRACK_EVENT_TYPE_UNSPECIFIED ||
      TrackEventType[t] === undefined ||
      t === TrackEventType.UNRECOGNIZED
    ) {
      throw new InvalidArgumentError(`types: ${t} is not a track event type`, 'types');
    }
  }
  return types.map(eventTypeName);
}

export function checkId(value: string, field: string): string {
  if (value.length === 0 || value.length > MAX_NAME)
    throw new InvalidArgumentError(`${field} must be 1..${MAX_NAME} characters`, field);
  return value;
}

/**
 * The filter as Elasticsearch clauses. Time: a point in time field (`at`), or an interval
 * [`from`, `to`] that must overlap the range (tracks).
 */
export function filterClauses(
  filter: SearchFilter | undefined,
  time: { at: string } | { from: string; to: string },
): estypes.QueryDslQueryContainer[] {
  const clauses: estypes.QueryDslQueryContainer[] = [];
  if (!filter) return clauses;
  if (filter.cameraIds.length > 0) clauses.push({ terms: { camera_id: filter.cameraIds } });
  if (filter.classNames.length > 0) clauses.push({ terms: { class_name: filter.classNames } });
  const from = filter.timeRange?.fromMs ?? 0;
  const to = filter.timeRange?.toMs ?? 0;
  if ('at' in time) {
    if (from > 0 || to > 0)
      clauses.push({ range: { [time.at]: { ...(from > 0 ? { gte: from } : {}), ...(to > 0 ? { lte: to } : {}) } } });
  } else {
    if (to > 0) clauses.push({ range: { [time.from]: { lte: to } } });
    if (from > 0) clauses.push({ range: { [time.to]: { gte: from } } });
  }
  return clauses;
}

/** A page size within 1..max, default when 0. */
export function pageSize(requested: number, max: number, def = 50): number {
  if (requested === 0) return Math.min(def, max);
  if (requested > max) throw new InvalidArgumentError(`page_size must be at most ${max}`, 'page_size');
  return requested;
}
