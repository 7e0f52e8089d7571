import type { BBox } from '@va/proto/va/common/v1/geometry';
import type { ModelRef } from '@va/proto/va/common/v1/detection';

/** A document for one index, before routing to its daily index. */
export interface DocDraft {
  id: string;
  /** Event time: selects the daily index and fills @timestamp. */
  tsMs: number;
  doc: Record<string, unknown>;
  version?: { value: number; type: 'external' | 'external_gte' };
}

export type BoxDoc = { x1: number; y1: number; x2: number; y2: number };

/** Non-finite numbers would become null in JSON; they are dropped so the mapping never sees them. */
export function boxDoc(box: BBox | undefined): BoxDoc | undefined {
  if (!box) return undefined;
  const { x1, y1, x2, y2 } = box;
  return [x1, y1, x2, y2].every(Number.isFinite) ? { x1, y1, x2, y2 } : undefined;
}

export function boxFromDoc(doc: unknown): BBox | undefined {
  if (!doc || typeof doc !== 'object') return undefined;
  const b = doc as Partial<BoxDoc>;
  return { x1: b.x1 ?? 0, y1: b.y1 ?? 0, x2: b.x2 ?? 0, y2: b.y2 ?? 0 };
}

export function modelDoc(model: ModelRef | undefined): { name: string; version: string } | undefined {
  return model && (model.name || model.version) ? { name: model.name, version: model.version } : undefined;
}

export function finite(value: number): number | undefined {
  return Number.isFinite(value) ? value : undefined;
}

/** 'TRACK_EVENT_TYPE_LINE_CROSS' -> 'line_cross': short, stable names in documents. */
export function enumName(json: string, prefix: string): string {
  return json.startsWith(prefix) ? json.slice(prefix.length).toLowerCase() : json.toLowerCase();
}

/** The first positive time among candidates (producers fill different ones). */
export function eventTime(...candidates: number[]): number {
  return candidates.find((t) => Number.isFinite(t) && t > 0) ?? 0;
}

/** Drops undefined values so documents stay small and strict mappings see only declared fields. */
export function compact<T extends Record<string, unknown>>(doc: T): T {
  for (const key of Object.keys(doc)) if (doc[key] === undefined) delete doc[key];
  return doc;
}
