import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUS_IDENTITIES, busPermissions, inboxPrefix, type BusPermissions } from './bus-identities.js';
import { renderNatsAuthorization } from './server-config.js';
import { STREAMS } from './streams.js';

const services = BUS_IDENTITIES.filter((id) => id !== 'admin');
const permissions = (id: (typeof BUS_IDENTITIES)[number]) => busPermissions(id) as BusPermissions;

describe('NATS permission table', () => {
  it('gives only admin everything', () => {
    assert.equal(busPermissions('admin'), 'all');
    for (const id of services) assert.notEqual(busPermissions(id), 'all', id);
  });

  it('lets no other identity manage streams, delete KV buckets or use a full wildcard', () => {
    for (const id of services) {
      const { publish, subscribe } = permissions(id);
      for (const subject of [...publish, ...subscribe]) {
        assert.doesNotMatch(subject, /\$JS\.API\.STREAM\.(UPDATE|DELETE|PURGE|MSG\.DELETE)/, `${id}: ${subject}`);
        assert.doesNotMatch(subject, /^(>|\$JS\.>|\$JS\.API\.>|va\.>|_INBOX\.>)$/, `${id}: ${subject}`);
        // Streams are created only for the identity's own KV buckets.
        if (subject.startsWith('$JS.API.STREAM.CREATE.'))
          assert.match(subject, /\.KV_[A-Za-z0-9_-]+$/, `${id}: ${subject}`);
      }
      for (const stream of Object.values(STREAMS))
        assert.ok(!publish.includes(`$JS.API.STREAM.CREATE.${stream.name}`), `${id} may create ${stream.name}`);
    }
  });

  it('deletes consumers only where tracking hands its durables over', () => {
    for (const id of services) {
      const deletes = permissions(id).publish.filter((s) => s.includes('CONSUMER.DELETE'));
      assert.deepEqual(deletes, id === 'tracking' ? [`$JS.API.CONSUMER.DELETE.${STREAMS.detections.name}.*`] : [], id);
    }
  });

  it("gives each identity its own inbox, and nobody another's", () => {
    for (const id of services) {
      const inboxes = permissions(id).subscribe.filter((s) => s.startsWith('_INBOX'));
      assert.deepEqual(inboxes, [`${inboxPrefix(id)}.>`], id);
    }
  });

  it('one stage writes each data subject', () => {
    const writers = (subject: string) => services.filter((id) => permissions(id).publish.includes(subject));
    assert.deepEqual(writers('va.frames.*'), ['ingest']);
    assert.deepEqual(writers('va.detections.*'), ['batching-inference']);
    assert.deepEqual(writers('va.tracks.*'), ['tracking']);
    assert.deepEqual(writers('va.track-events.*'), ['tracking']);
    assert.deepEqual(writers('va.flags.*'), ['sanity-check']);
    assert.deepEqual(writers('va.reviews.*'), ['sanity-check']);
  });

  it('raw frames go to the detector only; evidence frames are asked of ingest by sanity-check alone', () => {
    const readers = (subject: string) => services.filter((id) => permissions(id).subscribe.includes(subject));
    assert.deepEqual(readers('va.frames.*'), ['batching-inference']);
    assert.deepEqual(readers('va.evidence-frame.*'), ['ingest']);
    assert.deepEqual(
      services.filter((id) => permissions(id).publish.includes('va.evidence-frame.*')),
      ['sanity-check'],
    );
    // Ingest answers through the requester's reply subject only, once per request.
    assert.deepEqual(
      services.filter((id) => permissions(id).respond),
      ['ingest'],
    );
    assert.match(
      renderNatsAuthorization((id) => JSON.stringify(`pw-${id}`)),
      /user: "ingest"[\s\S]*?allow_responses: \{ max: 1, expires: "\d+ms" \}/,
    );
  });

  it('renders a nats-server block with every user; a user that publishes nothing is denied everything', () => {
    const conf = renderNatsAuthorization((id) => JSON.stringify(`pw-${id}`));
    for (const id of BUS_IDENTITIES) assert.match(conf, new RegExp(`user: "${id}"\\n\\s+password: "pw-${id}"`));
    assert.match(conf, /user: "observer"[\s\S]*?publish: \{ deny: \[">"\] \}/);
    assert.doesNotMatch(conf, /no_auth_user/);
  });
});
