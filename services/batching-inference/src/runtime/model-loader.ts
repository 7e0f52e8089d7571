import { readFile } from 'node:fs/promises';
import ort from 'onnxruntime-node';
import { errorMessage, type Logger } from '@va/common';
import { assertFinite } from '../decode/candidates.js';
import { DetectorHead } from '../inference/detector-head.js';
import { EmbedderHead } from '../inference/embedder-head.js';
import { pixelSpec } from '../inference/pixel-spec.js';
import { ModelFileMissingError, ModelWarmupError } from '../model-errors.js';
import { NotBatchableError, rewriteToDynamicBatch } from '../onnx/dynamic-batch.js';
import { readOnnxModel } from '../onnx/onnx-model.js';
import { TensorWriter } from '../preprocess/tensor-writer.js';
import type { ExecutionProvider } from '../repository/model-config.js';
import type { ModelVersionSpec } from '../repository/model-repository.js';
import { ModelRunner, type InputGeometry } from './model-runner.js';
import { createSession, sessionOptions, type CreatedSession, type SessionSettings } from './session-factory.js';
import { checkModelAgainstConfig } from './shape-check.js';
import { verifyBatching, type BatchVerification } from './batch-verify.js';
import { describeTransforms, wantedTransforms } from './graph-transforms.js';
import { inGraphVersion } from './in-graph-version.js';

export type ModelHead = DetectorHead | EmbedderHead;

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
export async function loadModel(spec: ModelVersionSpec, settings: LoadSettings, parentLog: Logger): Promise<LoadedModel> {
  const started = performance.now();
  const { config } = spec;
  const log = parentLog.child({ component: 'model-loader', model: spec.name, version: spec.version });
  let original: Uint8Array;
  try {
    original = new Uint8Array(await readFile(spec.modelPath));
  } catch (err) {
    throw new ModelFileMissingError(`cannot read ${spec.modelPath}: ${errorMessage(err)}`, { cause: err });
  }
  const info = readOnnxModel(original);
  const check = checkModelAgainstConfig(info, config);
  const providers = settings.providers ?? config.executionProviders;
  const warnings: string[] = [];
  const rewrites: string[] = [];
  const wanted = config.batching.maxBatchSize;

  let batching: BatchingMode = check.batch === 'dynamic' ? 'native' : 'unbatched';
  let candidate: Uint8Array | undefined;
  if (check.batch === 1 && wanted > 1) {
    if (config.batching.dynamicBatch === 'off') {
      warnings.push('static batch of 1 and dynamicBatch is off: served one image per run');
    } else {
      try {
        const rewrite = rewriteToDynamicBatch(original);
        candidate = rewrite.bytes;
        rewrites.push(`dynamic batch: inputs ${rewrite.inputs.join(',')}, outputs ${rewrite.outputs.join(',')}, ${rewrite.reshapeConstants.length} Reshape constants, ${rewrite.droppedValueInfo} value_info dropped`);
      } catch (err) {
        if (!(err instanceof NotBatchableError)) throw err;
        warnings.push(`cannot make the batch dimension dynamic (${err.message}): served one image per run`);
      }
    }
  }

  const uint8Model = config.input.dtype === 'uint8';
  const geometryFor = (uint8: boolean): InputGeometry => ({ dtype: uint8 ? 'uint8' : 'float32', layout: config.input.layout, width: config.input.width, height: config.input.height });
  const plainHead = (): ModelHead => (config.kind === 'detector' ? new DetectorHead(spec.name, config) : new EmbedderHead(spec.name, config));
  let writer = new TensorWriter(pixelSpec(config));

  let plainBytes = candidate ?? original;
  let created = await createSession(plainBytes, providers, settings.session, log);
  let verification: BatchVerification | undefined;
  if (candidate) {
    // The reference is the file as exported, on the same provider.
    const reference = await ort.InferenceSession.create(original, sessionOptions(created.ep, settings.session));
    try {
      verification = await verifyBatching(created.session, reference, config.input.name, geometryFor(uint8Model), writer, Math.min(wanted, settings.verifyBatch ?? 4));
    } finally {
      await reference.release();
    }
    if (verification.ok) {
      batching = 'rewritten';
    } else {
      warnings.push(`rewritten dynamic batch failed verification (${verification.reason}): served one image per run`);
      rewrites.shift();
      await created.session.release();
      plainBytes = original;
      created = await createSession(original, [created.ep], settings.session, log);
    }
  }
  if (created.failed.length > 0) warnings.push(`execution provider fallback to ${created.ep}: ${created.failed.map((f) => `${f.ep} (${f.error})`).join('; ')}`);

  const maxBatchSize = batching === 'unbatched' ? 1 : wanted;
  let runner = new ModelRunner(created.session, config.input.name, geometryFor(uint8Model), maxBatchSize);
  let head = plainHead();
  const transforms = wantedTransforms(config, created.ep);
  if (transforms.normalize || transforms.postprocess) {
    const inGraph = await inGraphVersion(spec, plainBytes, transforms, created.ep, settings, maxBatchSize, { runner, head }, log);
    if (inGraph.ok) {
      await runner.release();
      ({ runner, head, writer } = inGraph);
      rewrites.push(...describeTransforms(transforms));
    } else {
      warnings.push(`in-graph ${describeTransforms(transforms).join(' and ')} not used: ${inGraph.reason}`);
    }
  }
  try {
    await warmUp(runner, head, writer, spec.name);
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
    { ep: loaded.ep, batching, maxBatchSize, origin: spec.origin, file: spec.modelPath, rewrites, verification, loadMs: Math.round(loaded.loadMs) },
    'model version loaded',
  );
  return loaded;
}

/** Runs the largest batch once on blank (pad-coloured) images: allocates buffers and proves the outputs are finite. */
async function warmUp(runner: ModelRunner, head: ModelHead, writer: TensorWriter, model: string): Promise<void> {
  const { width, height } = runner.geometry;
  const blank = { data: new Uint8Array(3 * width * height).fill(writer.spec.padValue), width, height, order: 'RGB' as const };
  for (let i = 0; i < runner.maxBatch; i++) writer.write(runner.slot(i), blank, { x: 0, y: 0, width, height });
  let outputs;
  try {
    outputs = (await runner.run(runner.maxBatch)).outputs;
  } catch (err) {
    throw new ModelWarmupError(`warm-up run of ${model} failed: ${errorMessage(err).split('\n')[0]}`, { cause: err });
  }
  for (const [name, out] of Object.entries(outputs)) {
    if (out.data instanceof Float32Array) {
      try {
        assertFinite(out.data, model, name);
      } catch {
        throw new ModelWarmupError(`warm-up run of ${model} produced NaN or infinite values in output ${name} on a blank image`);
      }
    }
  }
  head.checkOutputs(outputs);
}
