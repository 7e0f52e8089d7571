// The load tests' verdicts (loadtest/load-checks.ts) from hand-made samples: each check passes on a
// healthy run and fails on the one symptom it exists for, so a PASS in a report means something.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SERVICE_NAMES, type ServiceName } from '@va/harness/pipeline/service-catalog';
import type { Hop } from '../../../loadtest/hop-accounting.js';
import { loadChecks, queueBounds, type RunTotals } from '../../../loadtest/load-checks.js';
import type { Sample } from '../../../loadtest/pipeline-sampler.js';

const CAMERAS = 2;
const everyService = <T>(v: T) => Object.fromEntries(SERVICE_NAMES.map((n) => [n, v])) as Record<ServiceName, T>;

/** `n` one-second samples; `at(i)` may change queues, memory or liveness of sample i. */
function samples(
  n: number,
  at: (i: number) => {
    queues?: Record<string, number>;
    rssMb?: Partial<Record<ServiceName, number>>;
    dead?: ServiceName;
  } = () => ({}),
): Sample[] {
  return Array.from({ length: n }, (_, i) => {
    const o = at(i);
    const figures = {
      queues: { inference_frames_pending: 2, tracking_consumer_lag: 3, ...o.queues },
      rssMb: { ...everyService(200), ...o.rssMb },
    };
    return {
      t: i + 1,
      figures: figures as unknown as Sample['figures'],
      shed: 0,
      errors: 0,
      framesRead: 10,
      latencyMs: {} as Sample['latencyMs'],
      alive: { ...everyService(true), ...(o.dead ? { [o.dead]: false } : {}) },
    };
  });
}

const healthy: RunTotals = { framesRead: 300, framesPublished: 300, framesReceived: 300, framesShed: 0, errors: 0 };

function verdicts(
  o: {
    scenario?: 'normal' | '10x';
    samples?: Sample[];
    totals?: Partial<RunTotals>;
    slowConsumers?: number;
    p95?: number;
    crashes?: Array<{ service: ServiceName; code: number }>;
    hops?: Hop[];
  } = {},
) {
  const checks = loadChecks({
    scenario: o.scenario ?? 'normal',
    cameras: CAMERAS,
    samples: o.samples ?? samples(30),
    totals: { ...healthy, ...o.totals },
    crashes: o.crashes ?? [],
    readyAtEnd: everyService(true),
    p95CaptureToTracksMs: o.p95 ?? 150,
    natsSlowConsumers: o.slowConsumers ?? 0,
    ...(o.hops ? { hops: o.hops } : {}),
  });
  return Object.fromEntries(checks.map((c) => [c.name, c]));
}

describe('load test verdicts', () => {
  it('a healthy normal run passes every check', () => {
    const c = verdicts();
    assert.deepEqual(
      Object.values(c)
        .filter((x) => !x.pass)
        .map((x) => `${x.name}: ${x.detail}`),
      [],
    );
  });

  it('a crashed or dead service fails "no service fell over"', () => {
    assert.equal(verdicts({ crashes: [{ service: 'tracking', code: 137 }] })['no service fell over']?.pass, false);
    assert.equal(
      verdicts({ samples: samples(30, (i) => (i === 12 ? { dead: 'embedding-search' } : {})) })['no service fell over']
        ?.pass,
      false,
    );
  });

  it('a queue over its configured bound, or consumer lag still climbing, fails "queues stay bounded"', () => {
    const over = (queueBounds(CAMERAS).inference_frames_pending ?? 0) + 1;
    assert.equal(
      verdicts({ samples: samples(30, (i) => (i === 20 ? { queues: { inference_frames_pending: over } } : {})) })[
        'queues stay bounded'
      ]?.pass,
      false,
    );
    assert.equal(
      verdicts({ samples: samples(30, (i) => ({ queues: { search_consumer_lag: i * 20 } })) })['queues stay bounded']
        ?.pass,
      false,
    );
  });

  it('memory that keeps growing after the first third fails "memory stays flat"; a warm-up rise does not', () => {
    const growing = verdicts({ samples: samples(30, (i) => ({ rssMb: { 'sanity-check': 200 + i * 10 } })) })[
      'memory stays flat'
    ];
    assert.equal(growing?.pass, false);
    assert.match(growing?.detail ?? '', /sanity-check \d+ → \d+ GREW/);
    assert.equal(
      verdicts({ samples: samples(30, (i) => ({ rssMb: { 'sanity-check': i < 10 ? 100 + i * 10 : 200 } })) })[
        'memory stays flat'
      ]?.pass,
      true,
    );
  });

  it('at 10x, overload must be shed and counted; frames lost on the bus fail at any load', () => {
    assert.equal(
      verdicts({ scenario: '10x', p95: 400 })['overload is shed as counted drops']?.pass,
      false,
      'nothing shed at 10x',
    );
    const shed = verdicts({
      scenario: '10x',
      p95: 400,
      totals: { framesRead: 3000, framesPublished: 900, framesReceived: 900, framesShed: 2800 },
    });
    assert.equal(shed['overload is shed as counted drops']?.pass, true);
    const lost = verdicts({ totals: { framesPublished: 300, framesReceived: 280 } })[
      'overload is shed as counted drops'
    ];
    assert.equal(lost?.pass, false);
    assert.match(lost?.detail ?? '', /20 published but not received/);
    // 300 frames over 29 s: ~5 frames may be in flight at the window's edges, on top of 1 %.
    const inFlight = verdicts({ totals: { framesPublished: 300, framesReceived: 292 } })[
      'overload is shed as counted drops'
    ];
    assert.equal(inFlight?.pass, true, inFlight?.detail);
    const slow = verdicts({ slowConsumers: 1 })['overload is shed as counted drops'];
    assert.equal(slow?.pass, false, 'a slow-consumer drop by nats-server is a loss');
  });

  it('errors at 0.1 % or more, and p95 capture → tracks at 200 ms or more under normal load, fail', () => {
    assert.equal(verdicts({ totals: { errors: 1, framesRead: 1000 } })['errors under 0.1 %']?.pass, false);
    const slow = verdicts({ p95: 200 })['capture → tracks p95 under 200 ms'];
    assert.equal(slow?.pass, false);
    assert.equal(slow?.gating, true);
  });

  it('at 10x, the frames that were processed must stay fresh: p95 capture → tracks at 500 ms or more fails', () => {
    const totals = { framesRead: 3000, framesPublished: 900, framesReceived: 900, framesShed: 2800 };
    const stale = verdicts({ scenario: '10x', p95: 3100, totals })['capture → tracks p95 under 500 ms'];
    assert.equal(stale?.pass, false);
    assert.equal(stale?.gating, true);
    assert.equal(verdicts({ scenario: '10x', p95: 450, totals })['capture → tracks p95 under 500 ms']?.pass, true);
  });

  it('a hop whose frames do not add up fails "every hop accounts for its frames", naming the hop and the reasons counted there', () => {
    const hop = (
      name: Hop['name'],
      input: number,
      out: number,
      shed: Record<string, number>,
      unaccounted = 0,
    ): Hop => ({ name, in: input, out, shed, heldGrowth: 0, unaccounted });
    const adding = [
      hop('ingest', 3000, 1500, { bus_backpressure: 1500 }),
      hop('bus', 1500, 1500, {}),
      hop('inference', 1500, 450, { superseded: 1000, stale: 50 }),
      hop('tracking', 450, 450, {}),
    ];
    const ok = verdicts({ scenario: '10x', p95: 400, hops: adding })['every hop accounts for its frames'];
    assert.equal(ok?.pass, true, ok?.detail);
    assert.match(ok?.detail ?? '', /inference 1500 → 450 \(shed superseded 1000, stale 50\)/);
    // 1500 frames over 29 s: about 26 + 4 may be in flight at the window's edges; 47 may not.
    const leaking = adding.map((h) =>
      h.name === 'inference' ? hop('inference', 1500, 403, { superseded: 1000, stale: 50 }, 47) : h,
    );
    const lost = verdicts({ scenario: '10x', p95: 400, hops: leaking })['every hop accounts for its frames'];
    assert.equal(lost?.pass, false);
    assert.match(lost?.detail ?? '', /does not add up at inference \(47 unaccounted/);
  });
});
