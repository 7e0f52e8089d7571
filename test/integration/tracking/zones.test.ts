import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { createClient, unary } from '@va/common';
import { TrackEventType } from '@va/proto/va/common/v1/track';
import { TrackingServiceClient, type SetZonesRequest } from '@va/proto/va/tracking/v1/tracking';
import { codeOf } from '../../helpers/grpc.js';
import { waitFor } from '@va/harness/ports';
import {
  batch,
  metricValue,
  OPERATOR_TOKEN,
  person,
  publishBatch,
  storedEvents,
  VIEWER_TOKEN,
} from '@va/harness/tracking-service';
import { useTrackingFixture } from '../../helpers/tracking-fixture.js';

const CAMERA = 'dock';
// A person walks right along y = 300 (feet at y = 350), through the zone x 400..600 and across
// the vertical line x = 700 drawn bottom to top (a->b points up: walking right is "in").
const config: SetZonesRequest = {
  cameraId: CAMERA,
  zones: [
    {
      zoneId: 'loading-bay',
      polygon: [
        { x: 400, y: 200 },
        { x: 600, y: 200 },
        { x: 600, y: 500 },
        { x: 400, y: 500 },
      ],
      classes: ['person'],
    },
  ],
  lines: [{ lineId: 'door', a: { x: 700, y: 600 }, b: { x: 700, y: 100 }, classes: [] }],
};

const describeEvent = (e: { type: TrackEventType; zoneId: string; lineId: string; direction: string }) =>
  `${TrackEventType[e.type].replace('TRACK_EVENT_TYPE_', '')} ${e.zoneId || e.lineId} ${e.direction}`.trim();

describe('zones and counting lines over gRPC, persisted in KV (real NATS, real process)', () => {
  const t = useTrackingFixture();
  const clients = (address: string) => ({
    viewer: createClient(TrackingServiceClient, { address, token: VIEWER_TOKEN }),
    operator: createClient(TrackingServiceClient, { address, token: OPERATOR_TOKEN }),
  });

  it('SetZones needs the operator role and valid geometry; ListZones returns what was stored', async () => {
    const { viewer, operator } = clients(t.svc.address);
    try {
      assert.equal(await codeOf(unary(viewer.setZones.bind(viewer), config)), GrpcStatus.PERMISSION_DENIED);
      const badPolygon = {
        ...config,
        zones: [
          {
            zoneId: 'z',
            polygon: [
              { x: 0, y: 0 },
              { x: 1, y: 1 },
            ],
            classes: [],
          },
        ],
      };
      assert.equal(await codeOf(unary(operator.setZones.bind(operator), badPolygon)), GrpcStatus.INVALID_ARGUMENT);
      const badCoordinate = {
        ...config,
        lines: [{ lineId: 'l', a: { x: NaN, y: 0 }, b: { x: 1, y: 1 }, classes: [] }],
      };
      assert.equal(await codeOf(unary(operator.setZones.bind(operator), badCoordinate)), GrpcStatus.INVALID_ARGUMENT);
      assert.equal(
        await codeOf(unary(operator.setZones.bind(operator), { ...config, cameraId: 'no spaces' })),
        GrpcStatus.INVALID_ARGUMENT,
      );

      const { revision } = await unary(operator.setZones.bind(operator), config, { deadlineMs: 5_000 });
      assert.ok(revision > 0);
      const listed = await unary(viewer.listZones.bind(viewer), { cameraId: CAMERA }, { deadlineMs: 5_000 });
      assert.equal(listed.revision, revision);
      assert.deepEqual(listed.zones, config.zones);
      assert.deepEqual(listed.lines, config.lines);
      const none = await unary(viewer.listZones.bind(viewer), { cameraId: 'elsewhere' }, { deadlineMs: 5_000 });
      assert.deepEqual([none.zones, none.lines, none.revision], [[], [], 0]);
    } finally {
      viewer.close();
      operator.close();
    }
  });

  it('a walk through the zone and across the line gives enter, exit and an "in" crossing', async () => {
    for (let q = 0; q < 40; q++) await publishBatch(t.nats, batch(CAMERA, q, [person(300 + 12 * q, 300)]));
    const events = await waitFor(async () => {
      const e = (await storedEvents(t.nats, CAMERA)).filter((x) => x.type !== TrackEventType.TRACK_EVENT_TYPE_STARTED);
      return e.length >= 3 ? e : undefined;
    });
    assert.deepEqual(events.map(describeEvent), [
      'ZONE_ENTER loading-bay',
      'ZONE_EXIT loading-bay',
      'LINE_CROSS door in',
    ]);
    // Feet at x = 300 + 12q: inside from q 9 (408) through q 25 (600 is the edge), across x 700 at q 34 (708).
    assert.deepEqual(
      events.map((e) => e.sequence),
      [9, 26, 34],
    );
    assert.equal(new Set(events.map((e) => e.trackId)).size, 1);
    assert.equal(
      await metricValue(t.svc.httpPort, 'va_tracking_line_crossings_total', {
        camera: CAMERA,
        line: 'door',
        direction: 'in',
      }),
      1,
    );
    assert.equal(
      await metricValue(t.svc.httpPort, 'va_tracking_zone_events_total', { camera: CAMERA, zone: 'loading-bay' }),
      2,
    );
  });

  it('zones survive a restart of the service and still apply', async () => {
    assert.equal(await t.svc.proc.stop(), 0);
    await t.restart();
    const { viewer } = clients(t.svc.address);
    try {
      const listed = await unary(viewer.listZones.bind(viewer), { cameraId: CAMERA }, { deadlineMs: 5_000 });
      assert.deepEqual(listed.zones, config.zones);
    } finally {
      viewer.close();
    }
    // Walking back (right to left) through the line and the zone.
    for (let q = 40; q < 80; q++) await publishBatch(t.nats, batch(CAMERA, q, [person(820 - 12 * (q - 40), 300)]));
    const back = await waitFor(async () => {
      const e = (await storedEvents(t.nats, CAMERA)).filter(
        (x) => x.sequence >= 40 && x.type !== TrackEventType.TRACK_EVENT_TYPE_STARTED,
      );
      return e.length >= 3 ? e : undefined;
    });
    assert.deepEqual(back.map(describeEvent), [
      'LINE_CROSS door out',
      'ZONE_ENTER loading-bay',
      'ZONE_EXIT loading-bay',
    ]);
  });

  it('a change made while the camera is tracked applies to the next frames', async () => {
    const { operator, viewer } = clients(t.svc.address);
    try {
      const aisle = {
        cameraId: CAMERA,
        zones: [],
        lines: [{ lineId: 'aisle', a: { x: 0, y: 380 }, b: { x: 1280, y: 380 }, classes: [] }],
      };
      const { revision } = await unary(operator.setZones.bind(operator), aisle, { deadlineMs: 5_000 });
      // The change travels through the KV watch to the camera's owner.
      await waitFor(
        async () =>
          (await unary(viewer.listCameras.bind(viewer), {})).cameras.find((c) => c.cameraId === CAMERA)
            ?.zonesRevision === revision,
        {
          what: 'the owner to apply the new zones',
        },
      );
    } finally {
      operator.close();
      viewer.close();
    }
    // Walking down across y = 380 (a->b points right: moving down is "in").
    for (let q = 80; q < 100; q++) await publishBatch(t.nats, batch(CAMERA, q, [person(640, 200 + 10 * (q - 80))]));
    const events = await waitFor(async () => {
      const e = (await storedEvents(t.nats, CAMERA)).filter(
        (x) => x.sequence >= 80 && x.type === TrackEventType.TRACK_EVENT_TYPE_LINE_CROSS,
      );
      return e.length >= 1 ? e : undefined;
    });
    assert.deepEqual(events.map(describeEvent), ['LINE_CROSS aisle in']);
  });
});
