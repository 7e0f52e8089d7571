import { VaError } from '@va/common';

/**
 * Why a model version cannot be served. Each is a FAILED_PRECONDITION at the gRPC edge (the
 * repository content or the host is wrong, not the caller's request) and its message names the
 * file and the fix, because it is what an operator reads in ModelStatus and in the log.
 */
export abstract class ModelLoadError extends VaError {
  readonly code = 'FAILED_PRECONDITION';
}

/** config.json is missing, not JSON, or breaks the schema; lists every problem. */
export class ModelConfigError extends ModelLoadError {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(
      `${file}: ${problems.length === 1 ? problems[0] : `${problems.length} problems:\n  - ${problems.join('\n  - ')}`}`,
    );
  }
}

/** Neither <version>/model.onnx nor the configured source file exists. */
export class ModelFileMissingError extends ModelLoadError {}

/** The file is not an ONNX ModelProto (or its graph is malformed). */
export class InvalidOnnxError extends ModelLoadError {}

/** The model's input or output does not match what its config promises. */
export class ModelShapeMismatchError extends ModelLoadError {}

/** No execution provider in the configured list could create a session. */
export class ExecutionProviderError extends ModelLoadError {
  constructor(readonly attempts: Array<{ ep: string; error: string }>) {
    super(`no execution provider could run the model: ${attempts.map((a) => `${a.ep}: ${a.error}`).join('; ')}`);
  }
}

/** The model ran but produced NaN or infinite values: its results must not be used. */
export class NonFiniteOutputError extends VaError {
  readonly code = 'INTERNAL';
  constructor(
    readonly model: string,
    readonly output: string,
  ) {
    super(`model ${model} produced NaN or infinite values in output ${output}; results discarded`);
  }
}

/** A warm-up run at load failed or gave NaN/infinite outputs: the version is not served. */
export class ModelWarmupError extends ModelLoadError {}
