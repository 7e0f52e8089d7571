// The main job: the whole pipeline on this machine. Starts the five services as separate
// processes (deploy/local/pipeline), streams the real clips through them like cameras, and shows
// a live summary until Ctrl-C, --duration, or (--once) the first detections and tracks.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateTokens, writeTokensFile } from '@va/harness/pipeline/access-tokens';
import { BusTap, type CameraActivity } from '@va/harness/pipeline/bus-tap';
import { quantile } from '@va/harness/statistics';
import { cameraIdFor, clipsIn, clipStream, ensureStream, removeStream } from '@va/harness/pipeline/camera-streams';
import { defaultServicePorts, freeServicePorts } from '@va/harness/pipeline/local-ports';
import { defaultInferenceThreads } from '@va/harness/pipeline/pipeline-env';
import { Pipeline } from '@va/harness/pipeline/pipeline-launcher';
import { REPO_ROOT } from '@va/harness/shared';
import { scrapePipeline, stageFigures, type PipelineScrape } from '@va/harness/pipeline/pipeline-scrape';
import { SERVICE_NAMES, entryPoint } from '@va/harness/pipeline/service-catalog';
import { parseDemoOptions, UsageError, USAGE, type DemoOptions } from './demo/demo-options.js';
import { InPlaceWriter, renderSummary } from './demo/summary-view.js';
import { whereToLook } from './demo/where-to-look.js';

const say = (line: string) => process.stdout.write(`${line}\n`);

let options: DemoOptions;
try {
  options = parseDemoOptions(process.argv.slice(2), process.env, REPO_ROOT);
} catch (err) {
  const message =
    err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
      ? (err as Error).message
      : String(err);
  process.stderr.write(`${message ? `${message}\n\n` : ''}${USAGE}\n`);
  process.exit(err instanceof UsageError && !(err as Error).message ? 0 : 2);
}

const clips = existsSync(options.videos) ? clipsIn(options.videos) : [];
if (clips.length === 0) {
  process.stderr.write(
    `no video clips (.mp4, .mkv, .mov, .avi, .webm, .ts) in ${options.videos}; pass --videos=DIR or set VA_SHARED_DIR to the folder holding data/video\n`,
  );
  process.exit(2);
}
if (options.runtime === 'dist') {
  const missing = SERVICE_NAMES.filter((n) => !existsSync(join(REPO_ROOT, entryPoint(n, 'dist'))));
  if (missing.length > 0) {
    process.stderr.write(
      `not built: ${missing.join(', ')}; run \`npx tsc -b\` (npm run demo does) or pass --from-source\n`,
    );
    process.exit(2);
  }
}

const logDir = join(options.stateDir, 'logs', 'services');
const files = {
  tokens: join(options.stateDir, 'demo-tokens.env'),
  endpoints: join(options.stateDir, 'demo-endpoints.env'),
  logDir,
};
mkdirSync(logDir, { recursive: true });
const tokens = generateTokens();
writeTokensFile(files.tokens, tokens);

let pipeline: Pipeline | undefined;
let tap: BusTap | undefined;
let stopping: Promise<void> | undefined;
const writer = new InPlaceWriter(process.stdout);
const cameras = clips.map((file) => ({ file, cameraId: cameraIdFor(file) }));

async function shutdown(code: number, why: string): Promise<void> {
  stopping ??= (async () => {
    writer.detach();
    say(`\n${why}; stopping the services (ingest first, then each stage after the one feeding it)...`);
    if (pipeline) {
      for (const c of cameras) await removeStream(pipeline.clients, c.cameraId).catch(() => undefined);
      await tap?.close();
      const codes = await pipeline.stop();
      say(`stopped: ${SERVICE_NAMES.map((n) => `${n} ${codes[n] === 0 ? 'ok' : `exit ${codes[n]}`}`).join(', ')}`);
      if (Object.values(codes).some((c) => c !== 0)) code = code || 1;
    }
    process.exit(code);
  })();
  return stopping;
}
process.on('SIGINT', () => void shutdown(0, 'Ctrl-C'));
process.on('SIGTERM', () => void shutdown(0, 'SIGTERM'));

try {
  const ports = options.ports === 'free' ? await freeServicePorts() : await defaultServicePorts();
  say(
    `Starting ingest, batching-inference, tracking, embedding-search and sanity-check (NATS ${options.natsUrl}, Elasticsearch ${options.esUrl})...`,
  );
  const started = Date.now();
  pipeline = await Pipeline.launch({
    runtime: options.runtime,
    logDir,
    settings: {
      natsUrl: options.natsUrl,
      ...(options.natsCredentialsDir ? { natsCredentialsDir: options.natsCredentialsDir } : {}),
      esUrl: options.esUrl,
      ports,
      tokens,
      sharedDir: options.sharedDir,
      fileRoot: options.videos,
      indexPrefix: options.indexPrefix,
      sanityDataDir: join(options.stateDir, 'sanity'),
      inferenceThreads: defaultInferenceThreads(),
      logLevel: process.env.VA_LOG_LEVEL ?? 'info',
    },
    onUnexpectedExit: (name, code, tail) => {
      writer.detach();
      say(`\n${name} exited unexpectedly with ${code}; last lines of ${join(logDir, `${name}.log`)}:\n${tail}`);
      void shutdown(1, `${name} failed`);
    },
  });
  say(`All five services ready in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  writeFileSync(
    files.endpoints,
    `${SERVICE_NAMES.map((n) => `VA_${n.toUpperCase().replace(/-/g, '_')}_GRPC_ADDR=${pipeline?.addresses[n]}`).join('\n')}\n`,
  );

  tap = await BusTap.open(options.natsUrl, options.natsCredentialsDir);
  for (const c of cameras) {
    const { created } = await ensureStream(
      pipeline.clients,
      clipStream(c.cameraId, c.file, { fps: options.fps, loop: true }),
    );
    say(`stream ${c.cameraId}: ${c.file} at ${options.fps} fps (${created ? 'added' : 'updated'})`);
  }
  say('');
  for (const line of whereToLook(pipeline, files, REPO_ROOT)) say(line);
  say('');
} catch (err) {
  say(`\n${err instanceof Error ? err.message : String(err)}`);
  await shutdown(1, 'start-up failed');
}

const begun = Date.now();
// A first reading now, so the first summary already shows rates over a whole interval.
let previousScrape: PipelineScrape | undefined = pipeline ? await scrapePipeline(pipeline) : undefined;
let previousCameras = new Map<string, CameraActivity>();
for (;;) {
  await new Promise((r) => setTimeout(r, options.intervalMs));
  if (stopping || !pipeline || !tap) break;
  const scrape = await scrapePipeline(pipeline);
  const figures = stageFigures(scrape, previousScrape);
  writer.write(
    renderSummary({
      uptimeS: (Date.now() - begun) / 1000,
      figures,
      cameras: tap.cameras,
      previous: previousCameras,
      ingest: scrape.metrics.ingest,
      inference: scrape.metrics['batching-inference'],
      captureToDetectionsMs: tap.captureToDetections.takeWindow(),
      captureToTracksMs: tap.captureToTracks.takeWindow(),
      p95: (v) => quantile(v, 0.95),
    }),
  );
  previousScrape = scrape;
  previousCameras = new Map(
    [...tap.cameras].map(([k, v]) => [k, { ...v, flags: [...v.flags] as [number, number, number] }]),
  );
  const elapsedS = (Date.now() - begun) / 1000;
  // The totals the summary just showed (the services' own counters), so that --once stops on
  // what the user saw: the bus tap can see a track before tracking's metric counts it.
  const { detections, tracksStarted: tracks } = figures.totals;
  if (options.once && detections > 0 && tracks > 0) {
    await shutdown(
      0,
      `demo check passed: ${detections} detections and ${tracks} tracks from ${cameras.length} streams in ${Math.round(elapsedS)} s`,
    );
  } else if (options.once && elapsedS > options.timeoutS) {
    await shutdown(
      1,
      `demo check FAILED: ${detections} detections and ${tracks} tracks after ${options.timeoutS} s (see ${logDir})`,
    );
  } else if (options.durationS > 0 && elapsedS >= options.durationS) {
    await shutdown(0, `ran for ${options.durationS} s`);
  }
}
