/**
 * The offline API of batching-inference, for benchmarks, tests and batch jobs in other
 * services: the service's own inference path (repository, preprocessing, dynamic-batch
 * session, decoders, NMS, embeddings) without NATS or the batcher.
 *
 *   import { detectVideoCached } from '@va/batching-inference/offline';
 *   const { batches } = await detectVideoCached({ video, sharedDir, frameStep: 1 });
 */
export { detectVideo, detectVideoCached, type DetectVideoOptions, type CachedDetections } from './detect-video.js';
export { OfflineDetector, type OfflineDetectorOptions, type OfflineFrame } from './offline-detector.js';
export { readVideoFrames, probeVideo, type VideoFrame, type VideoInfo, type ReadVideoOptions } from './video-frames.js';
export { readDetectionBatches, writeDetectionBatches } from './detection-cache.js';
export { decodeImage, type RgbImage } from '../preprocess/image.js';
