import type { estypes } from '@elastic/elasticsearch';
import type { IndicesConfig } from '../config.js';
import type { IndexKind } from './index-names.js';

/**
 * The mappings of every kind, declared here and nowhere else. `dynamic: strict` makes a document
 * with a field that is not declared fail (and be dead-lettered) instead of silently growing the
 * mapping. Bump SCHEMA_VERSION when a mapping changes; templates carry it in _meta.
 */
export const SCHEMA_VERSION = 2;

type Properties = Record<string, estypes.MappingProperty>;

const keyword: estypes.MappingProperty = { type: 'keyword' };
const date: estypes.MappingProperty = { type: 'date', format: 'epoch_millis' };
const float: estypes.MappingProperty = { type: 'float' };
const int: estypes.MappingProperty = { type: 'integer' };
const long: estypes.MappingProperty = { type: 'long' };
const box: estypes.MappingProperty = { properties: { x1: float, y1: float, x2: float, y2: float } };
const model: estypes.MappingProperty = { properties: { name: keyword, version: keyword } };

/** Fields every document has: its event time (selects the daily index), camera and stream run. */
const common: Properties = { '@timestamp': date, camera_id: keyword, stream_epoch: keyword };

function detections(): Properties {
  return {
    ...common,
    sequence: long,
    detected_ts: date,
    frame_width: int,
    frame_height: int,
    detector: model,
    embedder: model,
    inference_ms: float,
    skipped: { type: 'boolean' },
    count: int,
    class_names: keyword,
    // Plain objects, not nested: filters on class and score match per frame, not per detection.
    detections: {
      properties: { class_id: int, class_name: keyword, score: float, box, has_embedding: { type: 'boolean' } },
    },
    frame_stats: { properties: { mean_luma: float, luma_stddev: float, thumb_hash: keyword } },
  };
}

function trackPoints(): Properties {
  return {
    ...common,
    sequence: long,
    track_id: keyword,
    state: keyword,
    class_id: int,
    class_name: keyword,
    score: float,
    box,
    vx: float,
    vy: float,
    age: int,
    hits: int,
    frames_since_update: int,
    detection_index: int,
    path_length_px: float,
    first_seen_ts: date,
    last_seen_ts: date,
    tracked_ts: date,
    predicted: { type: 'boolean' },
  };
}

function trackEvents(): Properties {
  return {
    ...common,
    event_id: keyword,
    track_id: keyword,
    type: keyword,
    sequence: long,
    class_id: int,
    class_name: keyword,
    box,
    duration_ms: long,
    path_length_px: float,
    zone_id: keyword,
    line_id: keyword,
    direction: keyword,
    reason: keyword,
    first_seen_ts: date,
  };
}

function embeddings(vector: IndicesConfig['vector']): Properties {
  return {
    ...common,
    track_id: keyword,
    class_id: int,
    class_name: keyword,
    first_seen_ts: date,
    last_seen_ts: date,
    last_sequence: long,
    hits: int,
    best_score: float,
    best_sequence: long,
    best_ts: date,
    best_box: box,
    embedder: model,
    has_embedding: { type: 'boolean' },
    embedding: {
      type: 'dense_vector',
      dims: vector.dims,
      index: true,
      similarity: 'cosine',
      index_options: { type: vector.type, m: vector.m, ef_construction: vector.efConstruction },
    },
  };
}

function flags(): Properties {
  return {
    ...common,
    flag_id: keyword,
    rule: keyword,
    subject: keyword,
    severity: keyword,
    sequence: long,
    track_id: keyword,
    first_ts: date,
    last_ts: date,
    count: int,
    message: { type: 'text', fields: { raw: { type: 'keyword', ignore_above: 1024 } } },
    // Rules name their own evidence; dotted names ("speed.px") stay leaf fields, never objects.
    evidence: { type: 'object', dynamic: true, subobjects: false },
    boxes: box,
    scores: float,
    class_names: keyword,
    frame_width: int,
    frame_height: int,
    review_status: keyword,
  };
}

function reviews(): Properties {
  return {
    ...common,
    review_id: keyword,
    flag_id: keyword,
    revision: int,
    decision: keyword,
    note: { type: 'text' },
    reviewer: keyword,
  };
}

function deadLetters(): Properties {
  return {
    ...common,
    dead_lettered_ts: date,
    kind: keyword,
    target_index: keyword,
    doc_id: { type: 'keyword', ignore_above: 512 },
    status: int,
    error_type: keyword,
    reason: { type: 'text' },
    subject: keyword,
    stream_seq: long,
    // The rejected document as JSON, kept but not indexed: it did not fit a mapping once already.
    document: { type: 'text', index: false },
  };
}

export function mappingFor(kind: IndexKind, vector: IndicesConfig['vector']): estypes.MappingTypeMapping {
  const properties: Record<IndexKind, () => Properties> = {
    detections,
    tracks: trackPoints,
    'track-events': trackEvents,
    embeddings: () => embeddings(vector),
    flags,
    reviews,
    'dead-letters': deadLetters,
  };
  const mapping: estypes.MappingTypeMapping = {
    dynamic: 'strict',
    _meta: { managed_by: 'embedding-search', schema_version: SCHEMA_VERSION },
    properties: properties[kind](),
  };
  if (kind === 'flags') {
    mapping.dynamic_templates = [{ evidence_numbers: { path_match: 'evidence.*', mapping: { type: 'double' } } }];
  }
  return mapping;
}
