import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BinaryReader, BinaryWriter } from '@bufbuild/protobuf/wire';
import { DetectionBatch } from '@va/proto/va/common/v1/detection';

/**
 * DetectionBatch files: size-delimited protobuf (a varint length before each message, the
 * format of protobuf's writeDelimitedTo / parseDelimitedFrom), so any protobuf library reads them.
 */
export async function writeDetectionBatches(file: string, batches: Iterable<DetectionBatch>): Promise<void> {
  const writer = new BinaryWriter();
  for (const batch of batches) writer.bytes(DetectionBatch.encode(batch).finish());
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, writer.finish());
  await rename(tmp, file);
}

export async function readDetectionBatches(file: string): Promise<DetectionBatch[]> {
  const bytes = await readFile(file);
  const reader = new BinaryReader(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const out: DetectionBatch[] = [];
  while (reader.pos < reader.len) out.push(DetectionBatch.decode(reader.bytes()));
  return out;
}

/** A short stable key for everything a cached result depends on. */
export function cacheKey(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
}
