import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CocoDataset } from './coco-format.js';
import { cocoProblems } from './coco-validate.js';

function dataset(): CocoDataset {
  return {
    info: { description: 't', version: '1', year: 2025, date_created: '', contributor: '' },
    licenses: [],
    images: [
      {
        id: 1,
        file_name: 'a.jpg',
        width: 100,
        height: 80,
        date_captured: '',
        va_camera_id: 'c',
        va_stream_epoch: 'e',
        va_sequence: 1,
        va_capture_ts_ms: 1,
        va_source: 'flag',
        va_flag_ids: [],
      },
    ],
    annotations: [
      {
        id: 1,
        image_id: 1,
        category_id: 1,
        bbox: [10, 10, 20, 30],
        area: 600,
        iscrowd: 0,
        score: 0.9,
        va_source: 'flag',
      },
    ],
    categories: [{ id: 1, name: 'person', supercategory: 'object' }],
  };
}

describe('COCO validation', () => {
  it('accepts a well-formed dataset', () => {
    assert.deepEqual(cocoProblems(dataset()), []);
  });

  it('names every broken reference, id and box', () => {
    const d = dataset();
    d.annotations.push(
      { ...d.annotations[0]!, id: 1 },
      { ...d.annotations[0]!, id: 2, image_id: 9 },
      { ...d.annotations[0]!, id: 3, category_id: 7 },
      { ...d.annotations[0]!, id: 4, bbox: [90, 10, 20, 30], area: 600 },
      { ...d.annotations[0]!, id: 5, bbox: [10, 10, 0, 30], area: 0 },
      { ...d.annotations[0]!, id: 6, bbox: [10, 10, NaN, 30] },
      { ...d.annotations[0]!, id: 7, area: 5 },
    );
    const problems = cocoProblems(d).join('\n');
    for (const expected of [
      'annotation 1: id is not a unique',
      'image_id 9 does not exist',
      'category_id 7 does not exist',
      'outside its 100x80 image',
      'bbox has no area',
      'four finite numbers',
      'area 5 is not w*h',
    ]) {
      assert.ok(problems.includes(expected), `missing "${expected}" in:\n${problems}`);
    }
  });
});
