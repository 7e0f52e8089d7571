import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../log.js';
import { Lifecycle } from './lifecycle.js';

const log = createLogger('test', 'silent');

function lifecycle(graceMs = 1_000, forceMs = 200) {
  const exits: number[] = [];
  const lc = new Lifecycle({ log, graceMs, forceMs, exit: (code) => exits.push(code) });
  return { lc, exits };
}

describe('Lifecycle', () => {
  it('is ready only while RUNNING and every check passes', () => {
    const { lc } = lifecycle();
    let natsUp = true;
    lc.addReadinessCheck('nats', () => (natsUp ? true : 'disconnected'));
    assert.equal(lc.readiness().ready, false);
    lc.setState('STARTING');
    assert.deepEqual(lc.readiness().reasons, ['state is STARTING']);
    lc.setState('RUNNING');
    assert.equal(lc.readiness().ready, true);
    natsUp = false;
    assert.deepEqual(lc.readiness(), { ready: false, reasons: ['nats: disconnected'] });
  });

  it('runs shutdown phases in order and exits 0', async () => {
    const { lc, exits } = lifecycle();
    const order: string[] = [];
    const states: string[] = [];
    lc.onStateChange((s) => states.push(s));
    lc.setState('RUNNING');
    lc.onShutdown({ name: 'nats', phase: 'connections', graceful: () => void order.push('nats') });
    lc.onShutdown({ name: 'grpc', phase: 'server', graceful: async () => void order.push('grpc') });
    lc.onShutdown({ name: 'consumer', phase: 'intake', graceful: async () => void order.push('consumer') });
    lc.onShutdown({ name: 'indexer', phase: 'flush', graceful: async () => void order.push('indexer') });
    lc.onShutdown({ name: 'streams', phase: 'streams', graceful: async () => void order.push('streams') });
    const code = await lc.shutdown('test');
    assert.equal(code, 0);
    assert.deepEqual(order, ['consumer', 'streams', 'grpc', 'indexer', 'nats']);
    assert.deepEqual(states, ['RUNNING', 'STOPPING', 'STOPPED']);
    assert.deepEqual(exits, [0]);
    assert.equal(await lc.shutdown('again'), 0, 'a second request returns the same result');
    assert.deepEqual(exits, [0]);
  });

  it('forces hung steps after the grace deadline and exits non-zero', async () => {
    const { lc, exits } = lifecycle(100, 200);
    const forced: string[] = [];
    lc.onShutdown({
      name: 'hung',
      phase: 'server',
      graceful: () => new Promise(() => {}),
      force: () => void forced.push('hung'),
    });
    lc.onShutdown({
      name: 'later',
      phase: 'connections',
      graceful: async () => {},
      force: () => void forced.push('later'),
    });
    lc.onShutdown({ name: 'done', phase: 'intake', graceful: async () => {}, force: () => void forced.push('done') });
    const code = await lc.shutdown('test');
    assert.equal(code, 1);
    assert.deepEqual(forced.sort(), ['hung', 'later'], 'only unfinished steps are forced');
    assert.deepEqual(exits, [1]);
  });

  it('a failing step makes the exit code non-zero but later phases still run', async () => {
    const { lc, exits } = lifecycle();
    let closed = false;
    lc.onShutdown({ name: 'broken', phase: 'intake', graceful: async () => Promise.reject(new Error('boom')) });
    lc.onShutdown({ name: 'close', phase: 'connections', graceful: async () => void (closed = true) });
    assert.equal(await lc.shutdown('test'), 1);
    assert.equal(closed, true);
    assert.deepEqual(exits, [1]);
  });
});
