import { Server, ServerCredentials, status, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { InferenceServiceService, type EmbedRequest, type EmbedResponse } from '@va/common/gen/va/inference/v1/inference';
import { loadOsnet } from './osnet.js';

export interface EmbedStandIn {
  address: string;
  /** Embed calls answered so far. */
  calls(): number;
  stop(): Promise<void>;
}

/**
 * STAND-IN for the batching-inference service, for tests only: a real gRPC server implementing
 * just va.inference.v1.InferenceService/Embed with the real OSNet model (ONNX Runtime, CPU). Every
 * other method answers UNIMPLEMENTED. The embedding-search service talks to it exactly as it
 * talks to the real inference service (VA_BATCHING_INFERENCE_GRPC_ADDR); once batching-inference
 * is merged, tests should start that service instead and this file goes away.
 * Undecodable images are INVALID_ARGUMENT, as the real service answers them.
 */
export async function startEmbedStandIn(): Promise<EmbedStandIn> {
  const osnet = await loadOsnet();
  let calls = 0;
  const server = new Server();
  const embed = (call: ServerUnaryCall<EmbedRequest, EmbedResponse>, callback: sendUnaryData<EmbedResponse>) => {
    calls++;
    if (call.request.model !== '' && call.request.model !== osnet.model.name) {
      callback({ code: status.NOT_FOUND, details: `model ${call.request.model} is not loaded` });
      return;
    }
    if (call.request.crops.length === 0) {
      callback({ code: status.INVALID_ARGUMENT, details: 'no crops' });
      return;
    }
    osnet.embed(call.request.crops).then(
      (vectors) => callback(null, { embeddings: vectors.map((values) => ({ values })), model: osnet.model }),
      (err: unknown) => callback({ code: status.INVALID_ARGUMENT, details: `cannot decode crop: ${err instanceof Error ? err.message : String(err)}` }),
    );
  };
  server.addService(InferenceServiceService, { embed } as never);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return {
    address: `127.0.0.1:${port}`,
    calls: () => calls,
    stop: async () => {
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      await osnet.close();
    },
  };
}
