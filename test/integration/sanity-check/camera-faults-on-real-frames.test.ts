import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { FrameStats } from '@va/proto/va/common/v1/frame';
import { Severity } from '@va/proto/va/common/v1/flag';
import { loadSanityConfig } from '../../../services/sanity-check/src/config.js';
import { FlagFolder } from '../../../services/sanity-check/src/flags/flag-folder.js';
import type { CandidateFlag } from '../../../services/sanity-check/src/rules/rule.js';
import { RuleRegistry } from '../../../services/sanity-check/src/rules/rule-registry.js';
import { CAMERA_FAULTS, FLAG_NAMES } from '@va/harness/sanity-scenes/camera-faults';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clipStats, encodedClipStats, statsBatches } from '@va/harness/sanity-scenes/fault-frames';
import { sharedFile } from '@va/harness/shared';

// Real frames: the shared clips through the real ffmpeg, faults made by ffmpeg filters from FAULT_AT_S
// on, ingest's own frame statistics, sanity-check's rules with their defaults, at the demo's 3 fps.
const FPS = 3;
const FAULT_AT_S = 10;
const SECONDS = 20;
/** The issue's goal for the time to flag. */
const MAX_TIME_TO_FLAG_S = 5;
const CLIPS = ['data/video/indoor-people_768x432.mp4', 'data/video/parking-lot-cars_768x432.mp4'];
/**
 * Faults a clip cannot show: the grey parking lot has no colour balance for swapped channels to move, and
 * its featureless asphalt nothing for a shifted view to misalign (camera-fault leaves such views alone).
 */
const INVISIBLE = new Set([
  'parking-lot-cars_768x432.mp4/red-blue-swapped',
  'parking-lot-cars_768x432.mp4/knocked-shifted-zoomed',
]);

/** The new flags the service would raise: rules, then the flag folder (repeats of a flag fold into it). */
function replay(stats: FrameStats[], cameraId: string): CandidateFlag[] {
  const config = loadSanityConfig({});
  const registry = new RuleRegistry(config.rules, 10);
  const folder = new FlagFolder(config.folder);
  return statsBatches(stats, cameraId, FPS)
    .flatMap((b) => registry.onDetections(b))
    .filter((c) => folder.observe(c).outcome.kind === 'new');
}

const describeFlags = (flags: CandidateFlag[]) =>
  flags
    .map((f) => `${f.rule}/${f.subject} sev ${f.severity} at ${(f.sequence / FPS).toFixed(1)} s: ${f.message}`)
    .join('\n  ') || 'none';

describe('camera faults on real frames', () => {
  for (const clip of CLIPS) {
    const name = clip.split('/').pop() as string;
    describe(name, () => {
      let video: string;
      before(() => {
        video = sharedFile(clip);
      });

      it('raises no flag on the clean clip, start to end', async () => {
        const stats = await clipStats(video, '', FPS, 600);
        const flags = replay(stats, 'clean');
        assert.equal(flags.length, 0, `${stats.length} clean frames raised:\n  ${describeFlags(flags)}`);
      });

      it('frozen-with-ticking-clock through H.264 with a key frame every second (each refreshes the frozen picture): still one freeze flag', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'va-frozen-'));
        try {
          const fault = CAMERA_FAULTS.find(
            (f) => f.name === 'frozen-with-ticking-clock',
          ) as (typeof CAMERA_FAULTS)[number];
          const flags = replay(
            await encodedClipStats(video, fault.filter(FAULT_AT_S), FPS, SECONDS + 6, join(dir, 'frozen.mp4'), 10),
            'frozen-h264',
          );
          assert.deepEqual(
            flags.map((f) => `${f.rule}/${f.subject}`),
            ['frame-freeze/freeze'],
            describeFlags(flags),
          );
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });

      for (const fault of CAMERA_FAULTS) {
        const visible = !INVISIBLE.has(`${name}/${fault.name}`);
        it(`${fault.name}: ${visible ? `one flag naming ${fault.kind}, severity 1-2, within ${MAX_TIME_TO_FLAG_S} s` : 'nothing (the clip cannot show it)'}`, async () => {
          const flags = replay(await clipStats(video, fault.filter(FAULT_AT_S), FPS, SECONDS), fault.name);
          if (!visible) {
            assert.equal(flags.length, 0, describeFlags(flags));
            return;
          }
          assert.equal(flags.length, 1, `one fault, one flag; got:\n  ${describeFlags(flags)}`);
          const flag = flags[0] as CandidateFlag;
          assert.ok(
            FLAG_NAMES[fault.kind].includes(`${flag.rule}/${flag.subject}`),
            `names ${fault.kind}: ${describeFlags(flags)}`,
          );
          assert.ok(flag.severity <= Severity.SEVERITY_ACT_TODAY, describeFlags(flags));
          const seconds = flag.sequence / FPS - FAULT_AT_S;
          assert.ok(
            seconds >= 0 && seconds <= MAX_TIME_TO_FLAG_S,
            `flagged ${seconds.toFixed(1)} s after the fault began: ${describeFlags(flags)}`,
          );
        });
      }
    });
  }
});
