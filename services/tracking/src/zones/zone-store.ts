import type { KV } from 'nats';
import { errorMessage, openKvBucket, UnavailableError, type Logger, type NatsConnectionHandle } from '@va/common';
import { ZoneConfig as ZoneConfigMessage } from '@va/proto/va/tracking/v1/tracking';
import type { ZoneConfig } from './zone-monitor.js';
import { validateZoneConfig } from './zone-validation.js';

const EMPTY: ZoneConfig = { zones: [], lines: [] };

export interface StoredZones {
  message: ZoneConfigMessage;
  revision: number;
}

/**
 * Zones and counting lines per camera in a NATS KV bucket (key: camera id, value: the
 * va.tracking.v1.ZoneConfig protobuf), so they survive restarts and reach whichever instance
 * owns the camera: every instance watches the bucket and hands changes to its cameras.
 */
export class ZoneStore {
  private readonly cache = new Map<string, { config: ZoneConfig; revision: number }>();
  private watcher: { stop(): void } | undefined;
  private readonly log: Logger;

  private constructor(
    private readonly kv: KV,
    log: Logger,
  ) {
    this.log = log.child({ component: 'zones' });
  }

  /** `replicas` is VA_JS_REPLICAS. */
  static async open(nats: NatsConnectionHandle, bucket: string, replicas: number, log: Logger): Promise<ZoneStore> {
    return new ZoneStore(await openKvBucket(nats, bucket, replicas, { history: 5 }), log);
  }

  /** Loads every stored configuration, then keeps following changes; resolves once loaded. */
  async watch(onChange: (camera: string, config: ZoneConfig, revision: number) => void): Promise<void> {
    let initialized!: () => void;
    const loaded = new Promise<void>((resolve) => (initialized = resolve));
    const iter = await this.kv.watch({ key: '>', initializedFn: () => initialized() });
    this.watcher = iter;
    void (async () => {
      for await (const entry of iter) {
        const config =
          entry.operation === 'PUT' ? this.toConfig(entry.key, this.decode(entry.value, entry.key)) : EMPTY;
        this.cache.set(entry.key, { config, revision: entry.revision });
        onChange(entry.key, config, entry.revision);
      }
    })().catch((err: unknown) => this.log.error({ err }, 'zone watch ended'));
    await loaded;
  }

  /** The configuration this instance knows for the camera (empty when none). */
  cached(camera: string): { config: ZoneConfig; revision: number } {
    return this.cache.get(camera) ?? { config: EMPTY, revision: 0 };
  }

  /** Read from the bucket itself, so a caller sees its own writes whichever instance it asks. */
  async get(camera: string): Promise<StoredZones> {
    const entry = await this.kv.get(camera).catch((err: unknown) => {
      throw new UnavailableError(`zone store unavailable: ${errorMessage(err)}`, { cause: err });
    });
    if (!entry || entry.operation !== 'PUT')
      return { message: ZoneConfigMessage.fromPartial({}), revision: entry?.revision ?? 0 };
    return { message: this.decode(entry.value, camera), revision: entry.revision };
  }

  async put(camera: string, message: ZoneConfigMessage): Promise<number> {
    return this.kv.put(camera, ZoneConfigMessage.encode(message).finish()).catch((err: unknown) => {
      throw new UnavailableError(`zone store unavailable: ${errorMessage(err)}`, { cause: err });
    });
  }

  stop(): void {
    this.watcher?.stop();
  }

  /** Validated again: the bucket may have been written by something other than SetZones. */
  private toConfig(camera: string, m: ZoneConfigMessage): ZoneConfig {
    try {
      return validateZoneConfig(camera, m.zones, m.lines);
    } catch (err) {
      this.log.error({ camera, error: errorMessage(err) }, 'stored zone configuration is invalid; ignoring it');
      return EMPTY;
    }
  }

  private decode(bytes: Uint8Array, camera: string): ZoneConfigMessage {
    try {
      return ZoneConfigMessage.decode(bytes);
    } catch (err) {
      this.log.error(
        { camera, error: errorMessage(err) },
        'stored zone configuration is not a ZoneConfig; ignoring it',
      );
      return ZoneConfigMessage.fromPartial({});
    }
  }
}
