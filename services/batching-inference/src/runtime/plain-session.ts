import ort from 'onnxruntime-node';
import type { Logger } from '@va/common';
import type { TensorWriter } from '../preprocess/tensor-writer.js';
import type { ExecutionProvider } from '../repository/model-config.js';
import type { InputGeometry } from '../tensors/tensors.js';
import { verifyBatching, type BatchVerification } from './batch-verify.js';
import { createSession, sessionOptions, type CreatedSession, type SessionSettings } from './session-factory.js';

export interface PlainSession {
  created: CreatedSession;
  /** The graph the session runs: the rewritten one when it passed verification, else the file as exported. */
  bytes: Uint8Array;
  /** Present when a rewritten graph was tried. */
  verification?: BatchVerification;
}

/** How to compare a rewritten graph with the file as exported. */
export interface BatchCheck {
  inputName: string;
  geometry: InputGeometry;
  writer: TensorWriter;
  /** Images in the batch compared. */
  batch: number;
}

/**
 * The session of the graph without in-graph transforms, on the first provider that works: the
 * rewritten dynamic-batch graph when it gives the same outputs as the file as exported on the
 * same provider, else the file as exported on that provider.
 */
export async function plainSession(
  original: Uint8Array,
  rewritten: Uint8Array | undefined,
  providers: readonly ExecutionProvider[],
  settings: SessionSettings,
  check: BatchCheck,
  log: Logger,
): Promise<PlainSession> {
  const created = await createSession(rewritten ?? original, providers, settings, log);
  if (!rewritten) return { created, bytes: original };
  const reference = await ort.InferenceSession.create(original, sessionOptions(created.ep, settings));
  let verification: BatchVerification;
  try {
    verification = await verifyBatching(
      created.session,
      reference,
      check.inputName,
      check.geometry,
      check.writer,
      check.batch,
    );
  } finally {
    await reference.release();
  }
  if (verification.ok) return { created, bytes: rewritten, verification };
  await created.session.release();
  return { created: await createSession(original, [created.ep], settings, log), bytes: original, verification };
}
