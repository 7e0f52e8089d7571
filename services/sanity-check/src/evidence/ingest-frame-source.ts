import { ErrorCode, type NatsConnection, type NatsError } from 'nats';
import {
  encodeEvidenceFrameRequest,
  errorMessage,
  readEvidenceFrameAnswer,
  subjects,
  type EvidenceFrameAnswer,
} from '@va/common';

export interface FrameLocation {
  cameraId: string;
  streamEpoch: string;
  sequence: number;
}

/** An answer of ingest's, or `unavailable` when none came (no ingest listening, or not in time). */
export type FetchedFrame = EvidenceFrameAnswer | { status: 'unavailable'; error: string };

/** Where evidence images come from (a fake in unit tests). */
export interface EvidenceFrameSource {
  fetch(frame: FrameLocation, quality: number): Promise<FetchedFrame>;
}

/**
 * Asks ingest for one frame it published, as JPEG, on va.evidence-frame.<camera> (request/reply;
 * the protocol is in common's evidence-frame.ts). Raw frames never come to sanity-check: only the
 * few it flags or samples travel, once, compressed.
 */
export class IngestFrameSource implements EvidenceFrameSource {
  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs: number,
  ) {}

  async fetch(frame: FrameLocation, quality: number): Promise<FetchedFrame> {
    const request = encodeEvidenceFrameRequest({ streamEpoch: frame.streamEpoch, sequence: frame.sequence, quality });
    try {
      return readEvidenceFrameAnswer(
        await this.nc.request(subjects.evidenceFrame(frame.cameraId), request, { timeout: this.timeoutMs }),
      );
    } catch (err) {
      const code = (err as NatsError).code;
      // Each ingest listens for the cameras it has frames of (services/ingest, "Evidence frames").
      if (code === ErrorCode.NoResponders)
        return {
          status: 'unknown_camera',
          error: `no ingest holds frames of camera ${frame.cameraId} (or none is running)`,
        };
      if (code === ErrorCode.Timeout)
        return { status: 'unavailable', error: `ingest did not answer within ${this.timeoutMs} ms` };
      return { status: 'unavailable', error: errorMessage(err) };
    }
  }
}
