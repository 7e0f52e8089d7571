import ort from 'onnxruntime-node';
import { errorMessage, type Logger } from '@va/common';
import { ExecutionProviderError } from '../model-errors.js';
import type { ExecutionProvider } from '../repository/model-config.js';

export interface SessionSettings {
  /** ONNX Runtime intra-op threads per session (0: ORT's default, one per core). */
  intraOpThreads: number;
  /** Spin-waiting threads burn CPU between runs; off by default on shared machines. */
  allowSpinning: boolean;
}

export interface CreatedSession {
  session: ort.InferenceSession;
  /** The provider that runs it. */
  ep: ExecutionProvider;
  /** Providers tried before it, with why they failed. */
  failed: Array<{ ep: ExecutionProvider; error: string }>;
}

/**
 * Providers that failed because the host lacks them (library missing, no adapter) fail the
 * same way for every model: remembered per process so later loads skip straight past them.
 */
const unavailableOnHost = new Map<ExecutionProvider, string>();
const HOST_LEVEL_FAILURE =
  /failed to load (shared )?librar|no supported adapters|backend not found|not supported|cannot open shared object/i;

// Provider failures are reported by our own log with the reason; ORT's native error lines would only repeat them.
ort.env.logLevel = 'fatal';

/**
 * Creates a session on the first provider in `providers` that works, logging each fallback
 * and the final choice. Throws ExecutionProviderError listing every failure when none does.
 */
export async function createSession(
  model: Uint8Array,
  providers: readonly ExecutionProvider[],
  settings: SessionSettings,
  log: Logger,
): Promise<CreatedSession> {
  const failed: CreatedSession['failed'] = [];
  for (const ep of providers) {
    const known = unavailableOnHost.get(ep);
    if (known !== undefined) {
      failed.push({ ep, error: known });
      continue;
    }
    try {
      const session = await ort.InferenceSession.create(model, sessionOptions(ep, settings));
      if (failed.length > 0) log.warn({ ep, fellBackFrom: failed }, 'execution provider fallback');
      return { session, ep, failed };
    } catch (err) {
      const error = errorMessage(err).split('\n')[0]?.slice(0, 300) ?? 'unknown error';
      if (HOST_LEVEL_FAILURE.test(error)) unavailableOnHost.set(ep, error);
      log.warn({ ep, error }, 'execution provider failed to initialise; trying the next one');
      failed.push({ ep, error });
    }
  }
  throw new ExecutionProviderError(failed);
}

export function sessionOptions(ep: ExecutionProvider, settings: SessionSettings): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [ep],
    intraOpNumThreads: settings.intraOpThreads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
    extra: { session: { intra_op: { allow_spinning: settings.allowSpinning ? '1' : '0' } } },
  };
}

/** For tests: forget host-level provider failures. */
export function resetProviderCache(): void {
  unavailableOnHost.clear();
}
