import { hostname } from 'node:os';
import type { Logger, NatsConnectionHandle } from '@va/common';
import type { MembershipConfig } from '../config.js';
import type { TrackingMetrics } from '../metrics.js';
import { DynamicMembership } from './dynamic-membership.js';
import { StaticMembership, type Membership } from './membership.js';

/** The membership the configuration asks for; not joined yet. */
/** `replicas` (VA_JS_REPLICAS) is the membership bucket's. */
export async function openMembership(
  nats: NatsConnectionHandle,
  config: MembershipConfig,
  replicas: number,
  metrics: TrackingMetrics,
  log: Logger,
): Promise<Membership> {
  if (config.mode === 'static') {
    metrics.members.set(config.partition.count);
    return new StaticMembership(config.partition);
  }
  return DynamicMembership.open(nats, {
    bucket: config.bucket,
    replicas,
    memberId: config.memberId ?? defaultMemberId(),
    ttlMs: config.ttlMs,
    settleMs: config.settleMs,
    log,
    metrics,
  });
}

/** "<host name>-<pid>": unique on a machine; Kubernetes passes the pod name instead. */
export function defaultMemberId(): string {
  return `${hostname()}-${process.pid}`
    .replace(/[^A-Za-z0-9_.-]/g, '_')
    .replace(/^[.]+|[.]+$/g, '_')
    .slice(0, 253);
}
