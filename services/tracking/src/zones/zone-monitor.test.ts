import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crossing, pointInPolygon } from './geometry.js';
import { ZoneMonitor, type ZoneHit } from './zone-monitor.js';

/** A box whose bottom centre (foot point) is (x, y). */
const at = (x: number, y: number) => ({ x1: x - 10, y1: y - 50, x2: x + 10, y2: y });
const square = [
  { x: 100, y: 100 },
  { x: 200, y: 100 },
  { x: 200, y: 200 },
  { x: 100, y: 200 },
];
const summary = (hits: ZoneHit[]) =>
  hits.map((h) =>
    h.kind === 'cross' ? `${h.trackKey} cross ${h.lineId} ${h.direction}` : `${h.trackKey} ${h.kind} ${h.zoneId}`,
  );

describe('zones and counting lines', () => {
  it('point in polygon, convex and concave', () => {
    assert.equal(pointInPolygon({ x: 150, y: 150 }, square), true);
    assert.equal(pointInPolygon({ x: 250, y: 150 }, square), false);
    const u = [
      { x: 0, y: 0 },
      { x: 30, y: 0 },
      { x: 30, y: 30 },
      { x: 20, y: 30 },
      { x: 20, y: 10 },
      { x: 10, y: 10 },
      { x: 10, y: 30 },
      { x: 0, y: 30 },
    ];
    assert.equal(pointInPolygon({ x: 15, y: 20 }, u), false, 'in the notch of the U');
    assert.equal(pointInPolygon({ x: 5, y: 20 }, u), true);
  });

  it('crossing direction follows the side of a->b', () => {
    const a = { x: 0, y: 100 };
    const b = { x: 200, y: 100 };
    assert.equal(
      crossing(a, b, { x: 50, y: 90 }, { x: 50, y: 110 }),
      'in',
      'downwards across a line drawn left to right',
    );
    assert.equal(crossing(a, b, { x: 50, y: 110 }, { x: 50, y: 90 }), 'out');
    assert.equal(crossing(a, b, { x: 250, y: 90 }, { x: 250, y: 110 }), undefined, 'past the end of the segment');
    assert.equal(crossing(a, b, { x: 50, y: 90 }, { x: 60, y: 95 }), undefined);
  });

  it('reports enter and exit once each, for the classes configured', () => {
    const m = new ZoneMonitor();
    m.setConfig({ zones: [{ zoneId: 'dock', polygon: square, classes: ['person'] }], lines: [] });
    const path = [50, 90, 120, 150, 180, 230, 260];
    const hits = path.flatMap((x) =>
      summary(
        m.observe([
          { key: 't1', className: 'person', box: at(x, 150) },
          { key: 'car', className: 'car', box: at(x, 150) },
        ]),
      ),
    );
    assert.deepEqual(hits, ['t1 enter dock', 't1 exit dock']);
  });

  it('counts line crossings with direction, once per crossing, not for a track first seen beyond the line', () => {
    const m = new ZoneMonitor();
    m.setConfig({ zones: [], lines: [{ lineId: 'door', a: { x: 0, y: 100 }, b: { x: 400, y: 100 }, classes: [] }] });
    const ys = [60, 80, 100, 120, 140, 90, 70, 130];
    const hits = ys.flatMap((y) => summary(m.observe([{ key: 't1', className: 'person', box: at(200, y) }])));
    // 80 -> 100 touches the line; 100 -> 120 completes the crossing (in); 140 -> 90 out; 70 -> 130 in.
    assert.deepEqual(hits, ['t1 cross door in', 't1 cross door out', 't1 cross door in']);
    assert.deepEqual(summary(m.observe([{ key: 't2', className: 'person', box: at(200, 150) }])), []);
  });

  it('a track ending inside a zone exits it; a removed zone is forgotten silently; a new zone reports enter', () => {
    const m = new ZoneMonitor();
    m.setConfig({ zones: [{ zoneId: 'z', polygon: square, classes: [] }], lines: [] });
    assert.deepEqual(summary(m.observe([{ key: 't1', className: 'person', box: at(150, 150) }])), ['t1 enter z']);
    assert.deepEqual(summary(m.end('t1', at(150, 150))), ['t1 exit z']);
    assert.deepEqual(summary(m.observe([{ key: 't2', className: 'person', box: at(150, 150) }])), ['t2 enter z']);
    m.setConfig({ zones: [], lines: [] });
    assert.deepEqual(summary(m.observe([{ key: 't2', className: 'person', box: at(300, 300) }])), []);
    m.setConfig({
      zones: [{ zoneId: 'far', polygon: square.map((p) => ({ x: p.x + 150, y: p.y + 150 })), classes: [] }],
      lines: [],
    });
    assert.deepEqual(summary(m.observe([{ key: 't2', className: 'person', box: at(300, 300) }])), ['t2 enter far']);
  });
});
