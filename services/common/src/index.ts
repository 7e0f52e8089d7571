// The public API of @va/common. Generated protobuf code is imported from '@va/proto/...'.
export * from './errors.js';
export { createLogger, type Logger } from './log.js';
export { stableHash32 } from './hash.js';
export { iou, type Corners } from './geometry.js';

export {
  parseEnv,
  loadPieces,
  int,
  num,
  port,
  bool,
  oneOf,
  list,
  optionalString,
  readableFile,
  type Env,
  type EnvShape,
} from './config/env.js';
export { baseEnv, loadBaseConfig, type BaseConfig } from './config/base.js';
export {
  natsEnv,
  loadNatsConfig,
  jetStreamLimits,
  DEFAULT_MAX_DELIVER,
  DEFAULT_USAGE_POLL_MS,
  type NatsConfig,
  type JetStreamLimits,
} from './config/nats.js';
export {
  ROLES,
  grpcServerEnv,
  loadGrpcServerConfig,
  loadGrpcClientConfig,
  parseTokens,
  type Role,
  type GrpcServerConfig,
  type GrpcClientConfig,
  type GrpcTlsConfig,
} from './config/grpc.js';
export { elasticsearchEnv, loadElasticsearchConfig, type ElasticsearchConfig } from './config/elasticsearch.js';

export {
  Lifecycle,
  SHUTDOWN_PHASES,
  type ServiceState,
  type ShutdownPhase,
  type ShutdownStep,
} from './lifecycle/lifecycle.js';
export { createRegistry, metricPrefix, LATENCY_BUCKETS_S } from './metrics/registry.js';
export { OpsServer } from './metrics/ops-server.js';

export { GrpcServer, type AsyncService, type MethodRoles, type CallContext, type StreamSink } from './grpc/server.js';
export { HealthRegistry, ServingStatus } from './grpc/health.js';
export { streamFromBus, type BusToStreamOptions } from './grpc/bus-to-stream.js';
export { TokenAuthenticator, roleAllows, type MethodAccess } from './grpc/auth.js';
export { toStatus, statusName } from './grpc/status.js';
export { createClient, unary, serverStream, bearerTokenInterceptor, channelCredentials } from './grpc/client.js';

export { subjects, STAGES, CAMERA_ID_PATTERN, isCameraId, assertCameraId, type Stage } from './nats/subjects.js';
export { protoCodec, codecs, type Codec } from './nats/codec.js';
export {
  EVIDENCE_FRAME_REQUEST_MAX_BYTES,
  EVIDENCE_FRAME_STATUSES,
  encodeEvidenceFrameRequest,
  evidenceFrameAnswerHeaders,
  parseEvidenceFrameRequest,
  readEvidenceFrameAnswer,
  type EvidenceFrameAnswer,
  type EvidenceFrameRequest,
  type EvidenceFrameStatus,
} from './nats/evidence-frame.js';
export {
  STREAMS,
  ensureStreams,
  isPermissionDenied,
  streamConfig,
  streamOfSubject,
  type StreamKey,
  type EnsureStreamsResult,
} from './nats/streams.js';
export {
  BUS_IDENTITIES,
  EVIDENCE_FRAME_RESPONSE,
  KV_BUCKETS,
  busPermissions,
  inboxPrefix,
  type BusIdentity,
  type BusPermissions,
  type ServiceIdentity,
} from './nats/bus-identities.js';
export { renderNatsAuthorization, literalPassword, passwordFromEnv, passwordEnvName } from './nats/server-config.js';
export { PublishRefusals, StreamFullError, publishRefusalReason, type RefusalReason } from './nats/publish-refusals.js';
export { StreamUsage } from './nats/stream-usage.js';
export { openKvBucket, kvBucketOptions, type KvBucketOptions } from './nats/kv.js';
export { NatsConnectionHandle } from './nats/connection.js';
export {
  ConsumerMetrics,
  DurableConsumer,
  subscribeDecoded,
  type DurableConsumerOptions,
  type CoreSubscriptionOptions,
} from './nats/consumers.js';

export { createElasticsearchClient } from './elasticsearch/client.js';
export {
  RETRYABLE_STATUSES,
  elasticsearchStatus,
  isElasticsearchUnavailable,
  mapElasticsearchError,
} from './elasticsearch/errors.js';

export { ServiceRuntime, runMain, metricServiceName } from './runtime.js';
