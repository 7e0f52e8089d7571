import { readFile } from 'node:fs/promises';
import { errorMessage, type Logger } from '@va/common';
import { createModelHead, inputGeometry, plainGraphMode, type ModelHead } from '../inference/model-head.js';
import { ModelFileMissingError } from '../model-errors.js';
import { readOnnxModel } from '../onnx/onnx-model.js';
import type { ExecutionProvider } from '../repository/model-config.js';
import type { ModelVersionSpec } from '../repository/model-repository.js';
import type { BatchVerification } from './batch-verify.js';
import { planDynamicBatch, type DynamicBatchCandidate } from './dynamic-batch-plan.js';
import { describeTransforms, wantedTransforms } from './graph-transforms.js';
import { inGraphVersion } from './in-graph-version.js';
import { ModelRunner } from './model-runner.js';
import { plainSession } from './plain-session.js';
import type { CreatedSession, SessionSettings } from './session-factory.js';
import { checkModelAgainstConfig } from './shape-check.js';
import { warmUp } from './warm-up.js';

/** How the version batches: natively dynamic, rewritten to dynamic (verified), or one image per run. */
export type BatchingMode = 'native' | 'rewritten' | 'unbatched';

export interface LoadSettings {
  session: SessionSettings;
  /** Replaces every model's configured provider list when set. */
  providers?: readonly ExecutionProvider[];
  /** Images in the load-time batch check (capped by maxBatchSize). */
  verifyBatch?: number;
}

export interface LoadedModel {
  spec: ModelVersionSpec;
  head: ModelHead;
  runner: ModelRunner;
  ep: ExecutionProvider;
  failedProviders: CreatedSession['failed'];
  batching: BatchingMode;
  maxBatchSize: number;
  /** Things an operator should know (served unbatched, provider fallback...). */
  warnings: string[];
  verification?: BatchVerification;
  /** Graph changes made at load (dynamic batch, in-graph normalisation or post-processing). */
  rewrites: string[];
  loadMs: number;
}

/**
 * Loads one version: reads and checks the ONNX file against its config, makes a static batch
 * of 1 dynamic when that verifiably works (else serves it unbatched with a warning), applies
 * the configured in-graph transforms, creates the session on the first provider that works,
 * and warms it up at its largest batch, refusing a model that produces NaN or infinity.
 */
export async function loadModel(
  spec: ModelVersionSpec,
  settings: LoadSettings,
  parentLog: Logger,
): Promise<LoadedModel> {
  const started = performance.now();
  const { config } = spec;
  const log = parentLog.child({ component: 'model-loader', model: spec.name, version: spec.version });
  const original = await readModelFile(spec);
  const check = checkModelAgainstConfig(readOnnxModel(original), config);
  const wanted = config.batching.maxBatchSize;
  const warnings: string[] = [];

  const plan = check.batch === 1 && wanted > 1 ? planDynamicBatch(original, config) : undefined;
  if (plan && 'warning' in plan) warnings.push(plan.warning);
  const rewrite: DynamicBatchCandidate | undefined = plan && 'rewrite' in plan ? plan.rewrite : undefined;

  const plainMode = plainGraphMode(config);
  const plainHead = createModelHead(spec.name, config, plainMode);
  const geometry = inputGeometry(config, plainMode);
  const batchCheck = {
    inputName: config.input.name,
    geometry,
    writer: plainHead.writer,
    batch: Math.min(wanted, settings.verifyBatch ?? 4),
  };
  const plain = await plainSession(
    original,
    rewrite?.bytes,
    settings.providers ?? config.executionProviders,
    settings.session,
    batchCheck,
    log,
  );
  const { created, verification } = plain;
  if (verification && !verification.ok)
    warnings.push(`rewritten dynamic batch failed verification (${verification.reason}): served one image per run`);
  if (created.failed.length > 0)
    warnings.push(
      `execution provider fallback to ${created.ep}: ${created.failed.map((f) => `${f.ep} (${f.error})`).join('; ')}`,
    );
  const batching: BatchingMode = verification?.ok ? 'rewritten' : check.batch === 'dynamic' ? 'native' : 'unbatched';
  const rewrites = verification?.ok && rewrite ? [rewrite.description] : [];

  const maxBatchSize = batching === 'unbatched' ? 1 : wanted;
  const plainRunner = new ModelRunner(created.session, config.input.name, geometry, maxBatchSize);
  const served = await withInGraphTransforms(
    spec,
    plain.bytes,
    created.ep,
    settings.session,
    maxBatchSize,
    { runner: plainRunner, head: plainHead },
    log,
  );
  rewrites.push(...served.rewrites);
  warnings.push(...served.warnings);
  const { runner, head } = served;
  try {
    await warmUp(runner, head, spec.name);
  } catch (err) {
    await runner.release();
    throw err;
  }
  for (const w of warnings) log.warn({ warning: w }, 'model loaded with a warning');
  const loaded: LoadedModel = {
    spec,
    head,
    runner,
    ep: created.ep,
    failedProviders: created.failed,
    batching,
    maxBatchSize,
    warnings,
    ...(verification ? { verification } : {}),
    rewrites,
    loadMs: performance.now() - started,
  };
  log.info(
    {
      ep: loaded.ep,
      batching,
      maxBatchSize,
      origin: spec.origin,
      file: spec.modelPath,
      rewrites,
      verification,
      loadMs: Math.round(loaded.loadMs),
    },
    'model version loaded',
  );
  return loaded;
}

async function readModelFile(spec: ModelVersionSpec): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(spec.modelPath));
  } catch (err) {
    throw new ModelFileMissingError(`cannot read ${spec.modelPath}: ${errorMessage(err)}`, { cause: err });
  }
}

/**
 * The plain runner and head, or the in-graph version that replaces them when the configured
 * transforms for this provider build and verify (the plain runner is then released).
 */
async function withInGraphTransforms(
  spec: ModelVersionSpec,
  plainBytes: Uint8Array,
  ep: ExecutionProvider,
  session: SessionSettings,
  maxBatchSize: number,
  plain: { runner: ModelRunner; head: ModelHead },
  log: Logger,
): Promise<{ runner: ModelRunner; head: ModelHead; rewrites: string[]; warnings: string[] }> {
  const transforms = wantedTransforms(spec.config, ep);
  if (!transforms.normalize && !transforms.postprocess) return { ...plain, rewrites: [], warnings: [] };
  const inGraph = await inGraphVersion(spec, plainBytes, transforms, ep, session, maxBatchSize, plain, log);
  if (!inGraph.ok)
    return {
      ...plain,
      rewrites: [],
      warnings: [`in-graph ${describeTransforms(transforms).join(' and ')} not used: ${inGraph.reason}`],
    };
  await plain.runner.release();
  return { runner: inGraph.runner, head: inGraph.head, rewrites: describeTransforms(transforms), warnings: [] };
}
