import type { FfmpegExit } from './ffmpeg-process.js';

/** What a run knows about itself when ffmpeg ends. */
export interface RunFacts {
  frames: number;
  /** The watchdog killed it: no first frame in time, or frames stopped. */
  stalled: boolean;
  /** Why the run was ended from this side (a stall, or a source that cannot be published). */
  failure: string | undefined;
}

export type ExitVerdict = { next: 'failed'; error: string } | { next: 'completed' } | { next: 'retry'; error: string };

/**
 * What a stream does when its ffmpeg ends (stop() aside): a corrupt or unreadable file, or a
 * source that cannot be published, fails once, clearly; a file that ended cleanly completes
 * (unless looping); everything else is retried after a back-off. Judged from the exit's
 * structure (exit status, signal, who killed it, ffmpeg's error lines), not from its wording;
 * `reason` is the exit's readable reason, already explained for the operator.
 */
export function judgeExit(
  source: { kind: string; loop: boolean },
  run: RunFacts,
  exit: FfmpegExit,
  reason: string,
): ExitVerdict {
  const isFile = source.kind === 'file';
  const error = run.failure ?? reason;
  // A signal this side did not send (someone killed ffmpeg): the file is not to blame.
  const killedElsewhere = exit.signal !== undefined && !exit.stopped;
  const fileUnreadable =
    isFile && !run.stalled && !killedElsewhere && (!exit.clean || exit.errors.length > 0 || run.frames === 0);
  if (fileUnreadable || (run.failure !== undefined && !run.stalled)) {
    return {
      next: 'failed',
      error: run.frames === 0 && exit.errors.length === 0 && !run.failure ? 'no video frames could be decoded' : error,
    };
  }
  if (isFile && exit.clean && !source.loop) return { next: 'completed' };
  return { next: 'retry', error: exit.clean && !run.stalled ? 'source ended' : error };
}
