/**
 * The COCO object-detection format (cocodataset.org/#format-data) as written by the exporter.
 * Fields prefixed `va_` are ours; COCO tools ignore unknown fields.
 */
export interface CocoImage {
  id: number;
  /** Relative to the images/ folder beside annotations.json. */
  file_name: string;
  width: number;
  height: number;
  date_captured: string;
  va_camera_id: string;
  va_stream_epoch: string;
  va_sequence: number;
  va_capture_ts_ms: number;
  /** Why the image is in the set: a confirmed flag, or a low-confidence sample. */
  va_source: 'flag' | 'low-confidence';
  va_flag_ids: string[];
}

export interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  /** [x, y, width, height] in image (source-frame) pixels, top-left origin. */
  bbox: [number, number, number, number];
  area: number;
  iscrowd: 0 | 1;
  score: number;
  /** 'flag': a box a confirmed flag is about; 'detection': the model's other output on that frame. */
  va_source: 'flag' | 'detection';
  va_flag_id?: string;
  va_rule?: string;
  va_low_confidence?: boolean;
}

export interface CocoCategory {
  id: number;
  name: string;
  supercategory: string;
}

export interface CocoDataset {
  info: { description: string; version: string; year: number; date_created: string; contributor: string };
  licenses: Array<{ id: number; name: string; url: string }>;
  images: CocoImage[];
  annotations: CocoAnnotation[];
  categories: CocoCategory[];
}
