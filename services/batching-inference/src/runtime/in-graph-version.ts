import type { Logger } from '@va/common';
import { errorMessage } from '@va/common';
import { IN_GRAPH_NMS } from '../decode/in-graph-nms-outputs.js';
import { createModelHead, inputGeometry, type ModelHead } from '../inference/model-head.js';
import type { ExecutionProvider } from '../repository/model-config.js';
import type { ModelVersionSpec } from '../repository/model-repository.js';
import { syntheticImage } from './batch-verify.js';
import { applyGraphTransforms, type GraphTransforms } from './graph-transforms.js';
import { ModelRunner } from './model-runner.js';
import { createSession, type SessionSettings } from './session-factory.js';
import { verifyTransforms } from './transform-verify.js';

/**
 * The served graph with normalisation and/or post-processing inside it, on the same provider,
 * verified against the plain path on the same synthetic images; not ok (with the reason) when
 * it cannot be built or differs.
 */
export async function inGraphVersion(
  spec: ModelVersionSpec,
  plainBytes: Uint8Array,
  transforms: GraphTransforms,
  ep: ExecutionProvider,
  session: SessionSettings,
  maxBatchSize: number,
  plain: { runner: ModelRunner; head: ModelHead },
  log: Logger,
): Promise<({ ok: true } & { runner: ModelRunner; head: ModelHead }) | { ok: false; reason: string }> {
  const { config } = spec;
  const mode = { rawInput: transforms.normalize || config.input.dtype === 'uint8', inGraphNms: transforms.postprocess };
  let runner: ModelRunner;
  try {
    const created = await createSession(applyGraphTransforms(plainBytes, config, transforms), [ep], session, log);
    runner = new ModelRunner(
      created.session,
      config.input.name,
      inputGeometry(config, mode),
      maxBatchSize,
      transforms.postprocess ? IN_GRAPH_NMS.scoreThreshold : undefined,
    );
  } catch (err) {
    return { ok: false, reason: `the transformed graph does not load: ${errorMessage(err).split('\n')[0]}` };
  }
  const head = createModelHead(spec.name, config, mode);
  const images = Array.from({ length: Math.min(maxBatchSize, 4) }, (_, i) =>
    syntheticImage(config.input.width, config.input.height, i + 11),
  );
  const check = await verifyTransforms(plain, { runner, head }, images);
  if (!check.ok) {
    await runner.release();
    return { ok: false, reason: `differs from the plain path (${check.reason})` };
  }
  log.info(
    { model: spec.name, version: spec.version, compared: check.compared, transforms },
    'in-graph transforms verified against the plain path',
  );
  return { ok: true, runner, head };
}
