import { Severity } from '@va/proto/va/common/v1/flag';
import type { DetectionBatch } from '@va/proto/va/common/v1/detection';
import type { TrackUpdate } from '@va/proto/va/common/v1/track';
import { CameraFaultRule, type CameraFaultOptions } from './camera-fault.js';
import { ClassFlipRule, type ClassFlipOptions } from './class-flip.js';
import { DarkOrBlankFrameRule, type DarkOrBlankOptions } from './dark-or-blank-frame.js';
import { DriftRule, type DriftOptions } from './drift.js';
import { FrameFreezeRule, type FrameFreezeOptions } from './frame-freeze.js';
import { ImpossibleMotionRule, type ImpossibleMotionOptions } from './impossible-motion.js';
import { InvalidBoxRule, type InvalidBoxOptions } from './invalid-box.js';
import { LatencySloRule, PipelineLatency, type LatencySloOptions } from './latency-slo.js';
import { LowConfidenceSpikeRule, type LowConfidenceSpikeOptions } from './low-confidence-spike.js';
import {
  RULE_NAMES,
  type CandidateFlag,
  type Finding,
  type Measurement,
  type RuleName,
  type SanityRule,
} from './rule.js';
import { TrackWithoutDetectionRule, type TrackWithoutDetectionOptions } from './track-without-detection.js';
import { UnexplainedDetectionRule, type UnexplainedDetectionOptions } from './unexplained-detection.js';

/** The options of every rule, one object per rule. */
export interface RulesConfig {
  enabled: ReadonlySet<RuleName>;
  severities: Readonly<Record<RuleName, Severity>>;
  trackWithoutDetection: TrackWithoutDetectionOptions;
  unexplainedDetection: UnexplainedDetectionOptions;
  classFlip: ClassFlipOptions;
  impossibleMotion: ImpossibleMotionOptions;
  invalidBox: InvalidBoxOptions;
  frameFreeze: FrameFreezeOptions;
  darkOrBlank: DarkOrBlankOptions;
  cameraFault: CameraFaultOptions;
  /** After a picture fault clears, model-side findings stay explained by it this long (tracks it broke end). */
  faultExplainsMs: number;
  lowConfidenceSpike: LowConfidenceSpikeOptions;
  drift: DriftOptions;
  latencySlo: LatencySloOptions;
}

/**
 * Default severities: 1 (act now) when a camera is effectively blind, 2 (act today) when the model
 * or the pipeline is measurably off, 3 (review weekly) for single objects: material for labeling.
 */
export const DEFAULT_SEVERITIES: Readonly<Record<RuleName, Severity>> = {
  'frame-freeze': Severity.SEVERITY_ACT_NOW,
  'dark-or-blank-frame': Severity.SEVERITY_ACT_NOW,
  'camera-fault': Severity.SEVERITY_ACT_NOW,
  'invalid-box': Severity.SEVERITY_ACT_TODAY,
  drift: Severity.SEVERITY_ACT_TODAY,
  'low-confidence-spike': Severity.SEVERITY_ACT_TODAY,
  'latency-slo': Severity.SEVERITY_ACT_TODAY,
  'track-without-detection': Severity.SEVERITY_REVIEW_WEEKLY,
  'unexplained-detection': Severity.SEVERITY_REVIEW_WEEKLY,
  'class-flip': Severity.SEVERITY_REVIEW_WEEKLY,
  'impossible-motion': Severity.SEVERITY_REVIEW_WEEKLY,
};

/** State the rules of every camera share: the pipeline's latency is one, whatever the camera. */
interface SharedState {
  latency: PipelineLatency;
}

const FACTORIES: Record<RuleName, (c: RulesConfig, shared: SharedState) => SanityRule> = {
  'track-without-detection': (c) => new TrackWithoutDetectionRule(c.trackWithoutDetection),
  'unexplained-detection': (c) => new UnexplainedDetectionRule(c.unexplainedDetection),
  'class-flip': (c) => new ClassFlipRule(c.classFlip),
  'impossible-motion': (c) => new ImpossibleMotionRule(c.impossibleMotion),
  'invalid-box': (c) => new InvalidBoxRule(c.invalidBox),
  'frame-freeze': (c) => new FrameFreezeRule(c.frameFreeze),
  'dark-or-blank-frame': (c) => new DarkOrBlankFrameRule(c.darkOrBlank),
  'camera-fault': (c) => new CameraFaultRule(c.cameraFault),
  'low-confidence-spike': (c) => new LowConfidenceSpikeRule(c.lowConfidenceSpike),
  drift: (c) => new DriftRule(c.drift),
  'latency-slo': (c, shared) => new LatencySloRule(c.latencySlo, shared.latency),
};

/** Rules about the picture, root causes first: a black camera is dark, not also frozen. */
const PICTURE_RULES: readonly RuleName[] = ['dark-or-blank-frame', 'camera-fault', 'frame-freeze'];
/** Rules about the model's output, which a broken picture explains (no detections on a covered lens). */
const MODEL_RULES: ReadonlySet<RuleName> = new Set([
  'track-without-detection',
  'unexplained-detection',
  'class-flip',
  'impossible-motion',
  'invalid-box',
  'low-confidence-spike',
  'drift',
]);

interface CameraRules {
  epoch: string;
  lastDetections: number;
  lastTracks: number;
  rules: Array<{ name: RuleName; rule: SanityRule }>;
  /** Capture time until which model-side findings are explained by a picture fault. */
  faultExplainsUntilMs: number;
  /** The picture rule that saw the latest fault. */
  lastRoot: RuleName | undefined;
}

export interface RegistryHooks {
  /** A rule threw; the message is still processed by the other rules. */
  onRuleError?(rule: RuleName, cameraId: string, err: unknown): void;
  /** A message at or below the last sequence seen for its camera (a redelivery): skipped. */
  onDuplicate?(kind: 'detections' | 'tracks', cameraId: string): void;
  /** Values rules compute whether or not they fire, after each message. */
  onMeasurement?(cameraId: string, m: Measurement): void;
  /** A finding was dropped because a picture fault on its camera explains it (one fault, one flag). */
  onExplained?(rule: RuleName, cameraId: string, by: RuleName): void;
  /** A camera's state was dropped to stay within `maxCameras`. */
  onCameraEvicted?(cameraId: string): void;
}

/**
 * The enabled rules, one instance per camera, fed in sequence order. A new stream epoch resets a
 * camera's rules (sequence numbers restart with it). A message at or below the last sequence of its
 * camera and kind is a redelivery and is skipped, so rules never count a frame twice. At most
 * `maxCameras` cameras keep state; the one quiet longest is dropped first. Frames the detection
 * schedule skipped reach only the rules that judge undetected frames. One fault, one flag: while a
 * picture rule sees a fault (suspected or flagged), the picture rules ranked after it and the
 * model-side rules stay quiet on that camera, the latter until `faultExplainsMs` after it clears.
 */
export class RuleRegistry {
  private readonly cameras = new Map<string, CameraRules>();
  private readonly shared: SharedState;

  constructor(
    private readonly config: RulesConfig,
    private readonly maxCameras: number,
    private readonly hooks: RegistryHooks = {},
  ) {
    this.shared = { latency: new PipelineLatency(config.latencySlo) };
  }

  get enabledRules(): RuleName[] {
    return RULE_NAMES.filter((n) => this.config.enabled.has(n));
  }

  onDetections(batch: DetectionBatch): CandidateFlag[] {
    const camera = this.camera(batch.cameraId, batch.streamEpoch);
    if (camera.lastDetections >= batch.sequence) {
      this.hooks.onDuplicate?.('detections', batch.cameraId);
      return [];
    }
    camera.lastDetections = batch.sequence;
    return this.run(camera, batch.cameraId, batch.captureTsMs, (rule) =>
      batch.skipped && !rule.judgesUndetectedFrames ? undefined : rule.onDetections?.(batch),
    );
  }

  onTracks(update: TrackUpdate, detections: DetectionBatch | undefined): CandidateFlag[] {
    const camera = this.camera(update.cameraId, update.streamEpoch);
    if (camera.lastTracks >= update.sequence) {
      this.hooks.onDuplicate?.('tracks', update.cameraId);
      return [];
    }
    camera.lastTracks = update.sequence;
    return this.run(camera, update.cameraId, update.captureTsMs, (rule) =>
      update.predicted && !rule.judgesUndetectedFrames ? undefined : rule.onTracks?.(update, detections),
    );
  }

  private run(
    camera: CameraRules,
    cameraId: string,
    tsMs: number,
    call: (rule: SanityRule) => Finding[] | undefined,
  ): CandidateFlag[] {
    const out: CandidateFlag[] = [];
    for (const { name, rule } of camera.rules) {
      try {
        for (const f of call(rule) ?? []) out.push({ ...f, severity: this.severity(f) });
        if (this.hooks.onMeasurement && rule.measurements)
          for (const m of rule.measurements()) this.hooks.onMeasurement(cameraId, m);
      } catch (err) {
        this.hooks.onRuleError?.(name, cameraId, err);
      }
    }
    return this.rootCauses(camera, cameraId, tsMs, out);
  }

  private severity(f: Finding): Severity {
    const severity = this.config.severities[f.rule];
    return f.milder ? (Math.min(Severity.SEVERITY_REVIEW_WEEKLY, severity + 1) as Severity) : severity;
  }

  /** Drops what the camera's picture fault explains: lesser picture findings and model-side ones. */
  private rootCauses(camera: CameraRules, cameraId: string, tsMs: number, found: CandidateFlag[]): CandidateFlag[] {
    let root: RuleName | undefined;
    for (const name of PICTURE_RULES) {
      const entry = camera.rules.find((r) => r.name === name);
      if (entry?.rule.pictureFault?.() !== undefined) {
        root = name;
        break;
      }
    }
    if (root !== undefined) camera.faultExplainsUntilMs = tsMs + this.config.faultExplainsMs;
    const explainedBy = root ?? (tsMs <= camera.faultExplainsUntilMs ? camera.lastRoot : undefined);
    if (root !== undefined) camera.lastRoot = root;
    if (explainedBy === undefined || found.length === 0) return found;
    const rank = PICTURE_RULES.indexOf(explainedBy);
    return found.filter((f) => {
      const lesserPicture = root !== undefined && PICTURE_RULES.indexOf(f.rule) > rank;
      if (!lesserPicture && !MODEL_RULES.has(f.rule)) return true;
      this.hooks.onExplained?.(f.rule, cameraId, explainedBy);
      return false;
    });
  }

  private camera(cameraId: string, epoch: string): CameraRules {
    let camera = this.cameras.get(cameraId);
    if (camera && camera.epoch !== epoch) camera = undefined;
    if (!camera) {
      camera = {
        epoch,
        lastDetections: -1,
        lastTracks: -1,
        rules: this.enabledRules.map((name) => ({ name, rule: FACTORIES[name](this.config, this.shared) })),
        faultExplainsUntilMs: Number.NEGATIVE_INFINITY,
        lastRoot: undefined,
      };
    }
    // Re-inserting keeps the map in order of last use, so the first key is the quietest camera.
    this.cameras.delete(cameraId);
    this.cameras.set(cameraId, camera);
    if (this.cameras.size > this.maxCameras) {
      const quietest = this.cameras.keys().next().value as string;
      this.cameras.delete(quietest);
      this.hooks.onCameraEvicted?.(quietest);
    }
    return camera;
  }
}
