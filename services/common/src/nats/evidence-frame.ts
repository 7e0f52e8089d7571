import { headers as natsHeaders, type MsgHdrs } from 'nats';
import { InvalidArgumentError } from '../errors.js';

/**
 * The evidence-frame request/reply on va.evidence-frame.<camera>: sanity-check asks ingest for one
 * frame it published (stream epoch + sequence) and gets it back as JPEG. The request is a small
 * JSON object; the answer's status is in headers, the JPEG (status ok only) is the body. No
 * protobuf: the JPEG bytes are the answer, and nothing else travels.
 */
export interface EvidenceFrameRequest {
  streamEpoch: string;
  sequence: number;
  /** JPEG quality of the answer (1-100). */
  quality: number;
}

export const EVIDENCE_FRAME_STATUSES = [
  'ok', // the body is the frame as JPEG
  'aged_out', // the frame left ingest's ring (pushed out by newer frames, or another stream epoch)
  'not_published', // no such frame in the ring: dropped before publishing, or not published yet
  'unknown_camera', // ingest has no frame of this camera (each ingest listens only for its cameras: mostly NATS answers "no responders")
  'bad_request', // the request could not be read; Va-Error says why
  'busy', // too many frames being encoded; ask again later
  'failed', // encoding failed; Va-Error says why
] as const;
export type EvidenceFrameStatus = (typeof EVIDENCE_FRAME_STATUSES)[number];

export type EvidenceFrameAnswer =
  | { status: 'ok'; jpeg: Uint8Array; width: number; height: number }
  | { status: Exclude<EvidenceFrameStatus, 'ok'>; error: string };

/** Requests are tiny; anything larger is refused before it is parsed. */
export const EVIDENCE_FRAME_REQUEST_MAX_BYTES = 512;
const EPOCH_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
const H = { status: 'Va-Status', error: 'Va-Error', width: 'Va-Width', height: 'Va-Height' } as const;

export function encodeEvidenceFrameRequest(request: EvidenceFrameRequest): Uint8Array {
  return new TextEncoder().encode(
    JSON.stringify({ streamEpoch: request.streamEpoch, sequence: request.sequence, quality: request.quality }),
  );
}

/** Reads and checks a request; throws InvalidArgumentError saying what is wrong. */
export function parseEvidenceFrameRequest(data: Uint8Array): EvidenceFrameRequest {
  if (data.byteLength > EVIDENCE_FRAME_REQUEST_MAX_BYTES)
    throw new InvalidArgumentError(`request is ${data.byteLength} bytes; at most ${EVIDENCE_FRAME_REQUEST_MAX_BYTES}`);
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch {
    throw new InvalidArgumentError(
      'request is not JSON: expected {"streamEpoch": string, "sequence": integer, "quality": 1-100}',
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InvalidArgumentError('request must be a JSON object');
  const { streamEpoch, sequence, quality } = value as Record<string, unknown>;
  if (typeof streamEpoch !== 'string' || !EPOCH_PATTERN.test(streamEpoch))
    throw new InvalidArgumentError(`streamEpoch must match ${EPOCH_PATTERN.source}`, 'streamEpoch');
  if (typeof sequence !== 'number' || !Number.isSafeInteger(sequence) || sequence < 0)
    throw new InvalidArgumentError('sequence must be a whole number >= 0', 'sequence');
  if (typeof quality !== 'number' || !Number.isInteger(quality) || quality < 1 || quality > 100)
    throw new InvalidArgumentError('quality must be a whole number from 1 to 100', 'quality');
  return { streamEpoch, sequence, quality };
}

/** The headers of an answer (NATS headers are single-line ASCII: the error text is made so). */
export function evidenceFrameAnswerHeaders(
  answer:
    { status: 'ok'; width: number; height: number } | { status: Exclude<EvidenceFrameStatus, 'ok'>; error: string },
): MsgHdrs {
  const h = natsHeaders();
  h.set(H.status, answer.status);
  if (answer.status === 'ok') {
    h.set(H.width, String(answer.width));
    h.set(H.height, String(answer.height));
  } else {
    h.set(H.error, answer.error.replace(/[^\x20-\x7e]/g, '?').slice(0, 300));
  }
  return h;
}

/** Reads an answer; one that does not follow the protocol is 'failed' with the reason. */
export function readEvidenceFrameAnswer(msg: { headers?: MsgHdrs; data: Uint8Array }): EvidenceFrameAnswer {
  const status = msg.headers?.get(H.status) ?? '';
  if (!(EVIDENCE_FRAME_STATUSES as readonly string[]).includes(status))
    return { status: 'failed', error: `answer without a known ${H.status} header ("${status.slice(0, 40)}")` };
  if (status !== 'ok')
    return { status: status as Exclude<EvidenceFrameStatus, 'ok'>, error: msg.headers?.get(H.error) ?? '' };
  const width = Number(msg.headers?.get(H.width));
  const height = Number(msg.headers?.get(H.height));
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0 || msg.data.byteLength === 0)
    return { status: 'failed', error: 'ok answer without a JPEG or its size' };
  return { status: 'ok', jpeg: msg.data, width, height };
}
