import { status as GrpcStatus } from '@grpc/grpc-js';
import { FailedPreconditionError, InvalidArgumentError, UnavailableError, unary } from '@va/common';
import type { ModelRef } from '@va/proto/va/common/v1/detection';
import type { InferenceServiceClient } from '@va/proto/va/inference/v1/inference';

export interface EmbedderOptions {
  client: InferenceServiceClient;
  timeoutMs: number;
  maxImageBytes: number;
  /** Dimensions of the indexed embeddings; a model answering with others cannot be searched. */
  dims: number;
}

/**
 * Turns a query image into an embedding with the inference service's Embed RPC (the same embedder
 * that produced the indexed vectors). The image is checked first, so obviously bad input is
 * INVALID_ARGUMENT without a round trip; the inference service's own verdict on undecodable images
 * is passed on the same way, and its absence is UNAVAILABLE.
 */
export class Embedder {
  constructor(private readonly options: EmbedderOptions) {}

  async embed(
    image: Uint8Array,
    model: string,
    signal?: AbortSignal,
  ): Promise<{ vector: number[]; model: ModelRef | undefined }> {
    const { client, timeoutMs, maxImageBytes, dims } = this.options;
    if (image.length === 0) throw new InvalidArgumentError('image is empty', 'image');
    if (image.length > maxImageBytes)
      throw new InvalidArgumentError(`image is ${image.length} bytes; at most ${maxImageBytes}`, 'image');
    if (!imageFormat(image)) throw new InvalidArgumentError('image is not a JPEG, PNG or WebP file', 'image');
    let res;
    try {
      res = await unary(
        client.embed.bind(client),
        { crops: [image], model, version: '', sourceImage: new Uint8Array(), boxes: [] },
        { deadlineMs: timeoutMs, ...(signal ? { signal } : {}) },
      );
    } catch (err) {
      throw embedError(err);
    }
    const vector = res.embeddings[0]?.values ?? [];
    if (vector.length !== dims) {
      throw new FailedPreconditionError(
        `the embedder answered with ${vector.length} dimensions; the index holds ${dims} (VA_SEARCH_EMBEDDING_DIMS)`,
      );
    }
    if (!vector.some((v) => v !== 0) || !vector.every(Number.isFinite))
      throw new InvalidArgumentError('image has no usable embedding (zero or non-finite vector)', 'image');
    return { vector, model: res.model };
  }
}

/** The container format from the first bytes. */
export function imageFormat(bytes: Uint8Array): 'jpeg' | 'png' | 'webp' | undefined {
  const at = (i: number) => bytes[i] ?? -1;
  if (at(0) === 0xff && at(1) === 0xd8 && at(2) === 0xff) return 'jpeg';
  if ([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((b, i) => at(i) === b)) return 'png';
  const ascii = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
  if (bytes.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  return undefined;
}

function embedError(err: unknown): Error {
  const e = err as { code?: number; details?: string; message?: string };
  const details = e.details ?? e.message ?? String(err);
  switch (e.code) {
    case GrpcStatus.INVALID_ARGUMENT:
      return new InvalidArgumentError(`image could not be embedded: ${details}`, 'image', { cause: err });
    case GrpcStatus.NOT_FOUND:
      return new InvalidArgumentError(`embedder model not found: ${details}`, 'model', { cause: err });
    case GrpcStatus.UNAVAILABLE:
    case GrpcStatus.DEADLINE_EXCEEDED:
    case GrpcStatus.RESOURCE_EXHAUSTED:
    case GrpcStatus.CANCELLED:
      return new UnavailableError(`inference service unavailable for Embed: ${details}`, { cause: err });
    default:
      return err instanceof Error ? err : new Error(details);
  }
}
