import { resolve } from 'node:path';
import {
  ConfigError,
  bool,
  int,
  loadBaseConfig,
  loadGrpcServerConfig,
  loadNatsConfig,
  loadPieces,
  num,
  oneOf,
  optionalString,
  parseEnv,
  type ConfigIssue,
  type Env,
} from '@va/common';
import type { Severity } from '@va/proto/va/common/v1/flag';
import { DEFAULT_SEVERITIES, type RulesConfig } from './rules/rule-registry.js';
import { RULE_NAMES, type RuleName } from './rules/rule.js';

export const DEFAULT_GRPC_PORT = 50055;
export const DEFAULT_HTTP_PORT = 9465;

const MIB = 1024 * 1024;

/** Every VA_SANITY_* key with its default and bounds; services/sanity-check/README.md explains each. */
export const sanityEnv = {
  // Comma-separated rule names; checked against RULE_NAMES in loadSanityConfig.
  VA_SANITY_DISABLED_RULES: optionalString(),
  // Comma-separated <rule>=<1|2|3>.
  VA_SANITY_SEVERITY_OVERRIDES: optionalString(),
  VA_SANITY_START_FROM: oneOf(['new', 'all'] as const, 'new'),
  VA_SANITY_MAX_CAMERAS: int(1000, 1, 100_000),

  VA_SANITY_VANISH_MIN_FRAMES: int(10, 2, 10_000),
  VA_SANITY_VANISH_MIN_LAST_SCORE: num(0.6, 0, 1),
  VA_SANITY_VANISH_EDGE_MARGIN: num(0.02, 0, 0.4),
  VA_SANITY_VANISH_MAX_OCCLUSION: num(0.3, 0, 1),
  VA_SANITY_UNEXPLAINED_MIN_FRAMES: int(10, 1, 10_000),
  VA_SANITY_UNEXPLAINED_MIN_SCORE: num(0.7, 0, 1),
  VA_SANITY_UNEXPLAINED_LINK_IOU: num(0.3, 0.01, 1),
  VA_SANITY_CLASS_FLIP_WINDOW_FRAMES: int(30, 2, 10_000),
  VA_SANITY_CLASS_FLIP_MIN_FLIPS: int(3, 1, 1000),
  VA_SANITY_CLASS_FLIP_MIN_SCORE: num(0.4, 0, 1),
  VA_SANITY_MOTION_MIN_JUMP: num(1, 0.1, 100),
  VA_SANITY_MOTION_MAX_SPEED: num(12, 0.1, 1000),
  VA_SANITY_BOX_EDGE_TOLERANCE: num(0.05, 0, 1),
  VA_SANITY_FREEZE_MIN_FRAMES: int(10, 2, 100_000),
  VA_SANITY_FREEZE_MIN_MS: int(3000, 0, 3_600_000),
  VA_SANITY_FREEZE_NEAR_ZERO_DELTA: num(0.002, 0, 5),
  VA_SANITY_FREEZE_MAX_CHANGED_SHARE: num(0.05, 0, 0.5),
  VA_SANITY_DARK_MAX_LUMA: num(20, 0, 255),
  VA_SANITY_BLANK_MAX_STDDEV: num(3, 0, 128),
  VA_SANITY_DARK_MIN_FRAMES: int(5, 1, 100_000),
  VA_SANITY_DARK_MIN_MS: int(2000, 0, 3_600_000),
  VA_SANITY_SIGNAL_LOST_FLAT_SHARE: num(0.9, 0.5, 1),
  VA_SANITY_PICTURE_BASELINE_FRAMES: int(6, 2, 100_000),
  VA_SANITY_PICTURE_BASELINE_MS: int(2000, 0, 3_600_000),
  VA_SANITY_PICTURE_FOLLOW_RATE: num(0.02, 0, 1),
  VA_SANITY_CAMERA_FAULT_MIN_FRAMES: int(3, 1, 100_000),
  VA_SANITY_CAMERA_FAULT_MIN_MS: int(1000, 0, 3_600_000),
  VA_SANITY_FAULT_EXPLAINS_MS: int(10_000, 0, 3_600_000),
  VA_SANITY_LOW_CONF_SCORE: num(0.5, 0, 1),
  VA_SANITY_LOW_CONF_WINDOW_FRAMES: int(50, 1, 100_000),
  VA_SANITY_LOW_CONF_MIN_DETECTIONS: int(30, 1, 1_000_000),
  VA_SANITY_LOW_CONF_MIN_RATE: num(0.5, 0, 1),
  VA_SANITY_LOW_CONF_SPIKE_RATIO: num(2, 1, 100),
  VA_SANITY_DRIFT_BASELINE: int(5000, 50, 10_000_000),
  VA_SANITY_DRIFT_WINDOW: int(2000, 50, 1_000_000),
  VA_SANITY_DRIFT_EVAL_EVERY: int(250, 1, 1_000_000),
  VA_SANITY_DRIFT_BINS: int(10, 2, 100),
  VA_SANITY_DRIFT_PSI_THRESHOLD: num(0.25, 0.01, 10),
  VA_SANITY_DRIFT_BOX_PSI_THRESHOLD: num(0.5, 0.01, 10),
  VA_SANITY_LATENCY_SLO_MS: int(200, 1, 600_000),
  VA_SANITY_LATENCY_QUANTILE: num(0.95, 0.5, 0.9999),
  VA_SANITY_LATENCY_WINDOW: int(200, 10, 100_000),
  VA_SANITY_LATENCY_EVAL_EVERY: int(20, 1, 100_000),

  VA_SANITY_FLAG_QUIET_MS: int(60_000, 0, 86_400_000),
  VA_SANITY_FLAG_UPDATE_INTERVAL_MS: int(15_000, 100, 3_600_000),
  VA_SANITY_FLAG_MAX_NEW_PER_MIN: num(6, 0.01, 100_000),
  VA_SANITY_FLAG_BURST: int(6, 1, 100_000),
  VA_SANITY_FLAG_MAX_OPEN: int(50_000, 10, 10_000_000),
  VA_SANITY_FLAG_STORE_MAX: int(200_000, 100, 10_000_000),

  VA_SANITY_DATA_DIR: optionalString(),
  // Evidence images: flagged and sampled frames are fetched from ingest as JPEG (README: Evidence).
  VA_SANITY_FRAMES_ENABLED: bool(true),
  VA_SANITY_EVIDENCE_MAX_MB: int(2048, 1, 10_000_000),
  VA_SANITY_EVIDENCE_MAX_AGE_HOURS: num(168, 0.01, 24 * 3650),
  // How long one evidence-frame request waits for ingest's answer.
  VA_SANITY_EVIDENCE_FETCH_TIMEOUT_MS: int(2000, 50, 60_000),
  VA_SANITY_EVIDENCE_QUEUE: int(16, 1, 10_000),
  VA_SANITY_EVIDENCE_JPEG_QUALITY: int(90, 10, 100),
  // Decompression bombs: an image from ingest whose JPEG header claims more pixels is not kept.
  VA_SANITY_EVIDENCE_MAX_FRAME_PIXELS: int(4096 * 4096, 1, 2 ** 31),
  VA_SANITY_SAMPLE_LOW_CONF_BELOW: num(0.4, 0, 1),
  VA_SANITY_SAMPLE_INTERVAL_MS: int(60_000, 0, 86_400_000),
  VA_SANITY_EXPORT_MAX_IMAGES: int(5000, 1, 1_000_000),
  VA_SANITY_EXPORT_KEEP: int(20, 1, 10_000),
};

/** Evidence images and exports live under here unless VA_SANITY_DATA_DIR says otherwise. */
export const DEFAULT_DATA_DIR = '.stack/sanity';

export interface SanityConfig {
  rules: RulesConfig;
  startFrom: 'new' | 'all';
  maxCameras: number;
  folder: { quietMs: number; maxNewPerMinute: number; burst: number; maxOpen: number };
  updateIntervalMs: number;
  flagStoreMax: number;
  dataDir: string;
  framesEnabled: boolean;
  evidence: {
    maxBytes: number;
    maxAgeMs: number;
    fetchTimeoutMs: number;
    queueSize: number;
    jpegQuality: number;
    maxFramePixels: number;
  };
  sampler: { below: number; intervalMs: number };
  export: { maxImages: number; keep: number };
}

export function loadSanityConfig(env: Env): SanityConfig {
  const issues: ConfigIssue[] = [];
  let parsed: ReturnType<typeof parseEnv<typeof sanityEnv>> | undefined;
  try {
    parsed = parseEnv(sanityEnv, env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    issues.push(...err.issues);
  }
  // The rule lists are checked even when other keys are bad, so one run names every problem.
  const disabled = new Set<RuleName>();
  for (const name of splitList(env.VA_SANITY_DISABLED_RULES)) {
    if (isRule(name)) disabled.add(name);
    else
      issues.push({ key: 'VA_SANITY_DISABLED_RULES', message: `"${name}" is not a rule (${RULE_NAMES.join(', ')})` });
  }
  const severities: Record<RuleName, Severity> = { ...DEFAULT_SEVERITIES };
  for (const entry of splitList(env.VA_SANITY_SEVERITY_OVERRIDES)) {
    const [name = '', level = ''] = entry.split('=').map((s) => s.trim());
    if (!isRule(name) || !['1', '2', '3'].includes(level)) {
      issues.push({
        key: 'VA_SANITY_SEVERITY_OVERRIDES',
        message: `"${entry}" must be <rule>=<1|2|3> with a known rule`,
      });
    } else {
      severities[name] = Number(level) as Severity;
    }
  }
  if (parsed) {
    const e = parsed;
    if (e.VA_SANITY_DRIFT_EVAL_EVERY > e.VA_SANITY_DRIFT_WINDOW)
      issues.push({ key: 'VA_SANITY_DRIFT_EVAL_EVERY', message: 'must not exceed VA_SANITY_DRIFT_WINDOW' });
    if (e.VA_SANITY_LATENCY_EVAL_EVERY > e.VA_SANITY_LATENCY_WINDOW)
      issues.push({ key: 'VA_SANITY_LATENCY_EVAL_EVERY', message: 'must not exceed VA_SANITY_LATENCY_WINDOW' });
    if (e.VA_SANITY_CLASS_FLIP_MIN_FLIPS >= e.VA_SANITY_CLASS_FLIP_WINDOW_FRAMES)
      issues.push({
        key: 'VA_SANITY_CLASS_FLIP_MIN_FLIPS',
        message: 'must be below VA_SANITY_CLASS_FLIP_WINDOW_FRAMES',
      });
  }
  if (issues.length > 0 || !parsed) throw new ConfigError(issues);
  const e = parsed;
  return {
    rules: {
      enabled: new Set(RULE_NAMES.filter((n) => !disabled.has(n))),
      severities,
      trackWithoutDetection: {
        minFrames: e.VA_SANITY_VANISH_MIN_FRAMES,
        minLastScore: e.VA_SANITY_VANISH_MIN_LAST_SCORE,
        edgeMargin: e.VA_SANITY_VANISH_EDGE_MARGIN,
        maxOcclusion: e.VA_SANITY_VANISH_MAX_OCCLUSION,
      },
      unexplainedDetection: {
        minFrames: e.VA_SANITY_UNEXPLAINED_MIN_FRAMES,
        minScore: e.VA_SANITY_UNEXPLAINED_MIN_SCORE,
        linkIou: e.VA_SANITY_UNEXPLAINED_LINK_IOU,
      },
      classFlip: {
        windowFrames: e.VA_SANITY_CLASS_FLIP_WINDOW_FRAMES,
        minFlips: e.VA_SANITY_CLASS_FLIP_MIN_FLIPS,
        minScore: e.VA_SANITY_CLASS_FLIP_MIN_SCORE,
      },
      impossibleMotion: {
        minJumpDiagonals: e.VA_SANITY_MOTION_MIN_JUMP,
        maxSpeedDiagonalsPerS: e.VA_SANITY_MOTION_MAX_SPEED,
      },
      invalidBox: { edgeTolerance: e.VA_SANITY_BOX_EDGE_TOLERANCE },
      frameFreeze: {
        minFrames: e.VA_SANITY_FREEZE_MIN_FRAMES,
        minMs: e.VA_SANITY_FREEZE_MIN_MS,
        nearZeroDelta: e.VA_SANITY_FREEZE_NEAR_ZERO_DELTA,
        maxChangedShare: e.VA_SANITY_FREEZE_MAX_CHANGED_SHARE,
      },
      darkOrBlank: {
        maxDarkLuma: e.VA_SANITY_DARK_MAX_LUMA,
        maxBlankStddev: e.VA_SANITY_BLANK_MAX_STDDEV,
        minFlatShare: e.VA_SANITY_SIGNAL_LOST_FLAT_SHARE,
        minFrames: e.VA_SANITY_DARK_MIN_FRAMES,
        minMs: e.VA_SANITY_DARK_MIN_MS,
      },
      cameraFault: {
        baseline: {
          minFrames: e.VA_SANITY_PICTURE_BASELINE_FRAMES,
          minMs: e.VA_SANITY_PICTURE_BASELINE_MS,
          followRate: e.VA_SANITY_PICTURE_FOLLOW_RATE,
        },
        minFrames: e.VA_SANITY_CAMERA_FAULT_MIN_FRAMES,
        minMs: e.VA_SANITY_CAMERA_FAULT_MIN_MS,
      },
      faultExplainsMs: e.VA_SANITY_FAULT_EXPLAINS_MS,
      lowConfidenceSpike: {
        lowScore: e.VA_SANITY_LOW_CONF_SCORE,
        windowFrames: e.VA_SANITY_LOW_CONF_WINDOW_FRAMES,
        minDetections: e.VA_SANITY_LOW_CONF_MIN_DETECTIONS,
        minRate: e.VA_SANITY_LOW_CONF_MIN_RATE,
        spikeRatio: e.VA_SANITY_LOW_CONF_SPIKE_RATIO,
      },
      drift: {
        baselineSize: e.VA_SANITY_DRIFT_BASELINE,
        windowSize: e.VA_SANITY_DRIFT_WINDOW,
        evalEvery: e.VA_SANITY_DRIFT_EVAL_EVERY,
        bins: e.VA_SANITY_DRIFT_BINS,
        scoreThreshold: e.VA_SANITY_DRIFT_PSI_THRESHOLD,
        boxThreshold: e.VA_SANITY_DRIFT_BOX_PSI_THRESHOLD,
      },
      latencySlo: {
        sloMs: e.VA_SANITY_LATENCY_SLO_MS,
        quantile: e.VA_SANITY_LATENCY_QUANTILE,
        window: e.VA_SANITY_LATENCY_WINDOW,
        evalEvery: e.VA_SANITY_LATENCY_EVAL_EVERY,
      },
    },
    startFrom: e.VA_SANITY_START_FROM,
    maxCameras: e.VA_SANITY_MAX_CAMERAS,
    folder: {
      quietMs: e.VA_SANITY_FLAG_QUIET_MS,
      maxNewPerMinute: e.VA_SANITY_FLAG_MAX_NEW_PER_MIN,
      burst: e.VA_SANITY_FLAG_BURST,
      maxOpen: e.VA_SANITY_FLAG_MAX_OPEN,
    },
    updateIntervalMs: e.VA_SANITY_FLAG_UPDATE_INTERVAL_MS,
    flagStoreMax: e.VA_SANITY_FLAG_STORE_MAX,
    dataDir: resolve(e.VA_SANITY_DATA_DIR ?? DEFAULT_DATA_DIR),
    framesEnabled: e.VA_SANITY_FRAMES_ENABLED,
    evidence: {
      maxBytes: e.VA_SANITY_EVIDENCE_MAX_MB * MIB,
      maxAgeMs: e.VA_SANITY_EVIDENCE_MAX_AGE_HOURS * 3_600_000,
      fetchTimeoutMs: e.VA_SANITY_EVIDENCE_FETCH_TIMEOUT_MS,
      queueSize: e.VA_SANITY_EVIDENCE_QUEUE,
      jpegQuality: e.VA_SANITY_EVIDENCE_JPEG_QUALITY,
      maxFramePixels: e.VA_SANITY_EVIDENCE_MAX_FRAME_PIXELS,
    },
    sampler: { below: e.VA_SANITY_SAMPLE_LOW_CONF_BELOW, intervalMs: e.VA_SANITY_SAMPLE_INTERVAL_MS },
    export: { maxImages: e.VA_SANITY_EXPORT_MAX_IMAGES, keep: e.VA_SANITY_EXPORT_KEEP },
  };
}

function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function isRule(name: string): name is RuleName {
  return (RULE_NAMES as readonly string[]).includes(name);
}

/** Everything sanity-check reads from the environment, validated at once. */
export function loadConfig(env: Env) {
  return loadPieces({
    base: () => loadBaseConfig(env, { httpPort: DEFAULT_HTTP_PORT }),
    nats: () => loadNatsConfig(env),
    grpc: () => loadGrpcServerConfig(env, { port: DEFAULT_GRPC_PORT }),
    sanity: () => loadSanityConfig(env),
  });
}

export type Config = ReturnType<typeof loadConfig>;
