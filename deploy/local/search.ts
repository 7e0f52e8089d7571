// `npm run search`: asks the running pipeline's SearchService (gRPC, viewer token) what it has
// indexed. Uses the tokens and addresses the demo wrote to .stack/ unless the environment says
// otherwise (VA_VIEWER_TOKEN, VA_EMBEDDING_SEARCH_GRPC_ADDR).
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createClient, unary } from '@va/common';
import { TrackEventType } from '@va/proto/va/common/v1/track';
import { SearchFilter, SearchServiceClient, type TrackHit } from '@va/proto/va/search/v1/search';
import { REPO_ROOT } from '@va/harness/shared';

const USAGE = `npm run search -- --similar-to <camera>/<track> [--k=5]     tracks that look like this one
npm run search -- --image=crop.jpg [--camera=ID] [--k=5]      tracks that look like the object in the picture
npm run search -- --events=<camera> [--k=10]                  the camera's latest track events
  --state-dir=DIR   where the demo wrote demo-tokens.env and demo-endpoints.env (default .stack)`;

const { values } = parseArgs({
  options: {
    'similar-to': { type: 'string' },
    image: { type: 'string' },
    camera: { type: 'string' },
    events: { type: 'string' },
    k: { type: 'string' },
    'state-dir': { type: 'string' },
  },
});
const modes = [values['similar-to'], values.image, values.events].filter(Boolean).length;
if (modes !== 1) {
  console.error(USAGE);
  process.exit(2);
}

function envFile(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  return Object.fromEntries(
    readFileSync(path, 'utf8')
      .split('\n')
      .map((l) => /^([A-Z0-9_]+)=(.*)$/.exec(l.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1] as string, m[2] as string]),
  );
}
const stateDir = resolve(values['state-dir'] ?? process.env.VA_STACK_DIR ?? join(REPO_ROOT, '.stack'));
const settings = {
  ...envFile(join(stateDir, 'demo-tokens.env')),
  ...envFile(join(stateDir, 'demo-endpoints.env')),
  ...process.env,
};
const token = settings.VA_VIEWER_TOKEN;
const address = settings.VA_EMBEDDING_SEARCH_GRPC_ADDR ?? '127.0.0.1:50054';
if (!token) {
  console.error(
    `no viewer token: start the demo (npm run demo), which writes ${join(stateDir, 'demo-tokens.env')}, or set VA_VIEWER_TOKEN`,
  );
  process.exit(2);
}
const k = Number(values.k ?? (values.events ? 10 : 5));
const client = createClient(SearchServiceClient, { address, token });
const time = (ms: number) => new Date(ms).toISOString().slice(11, 23);

function printHits(hits: TrackHit[]): void {
  if (hits.length === 0) console.log('no similar tracks indexed (yet)');
  for (const h of hits) {
    const b = h.bestBox;
    const box = b ? `[${[b.x1, b.y1, b.x2, b.y2].map((v) => Math.round(v)).join(',')}]` : '';
    console.log(
      `${h.score.toFixed(3)}  ${`${h.cameraId}/${h.trackId}`.padEnd(36)} ${h.className.padEnd(8)} ${time(h.firstSeenTsMs)}–${time(h.lastSeenTsMs)}  ${h.hits} hits  best frame ${h.bestSequence} ${box}`,
    );
  }
}

try {
  if (values['similar-to'] || values.image) {
    const query = values['similar-to']
      ? { $case: 'trackRef' as const, trackRef: values['similar-to'] }
      : { $case: 'image' as const, image: readFileSync(values.image as string) };
    const res = await unary(
      client.searchSimilar.bind(client),
      {
        query,
        filter: values.camera ? SearchFilter.fromPartial({ cameraIds: [values.camera] }) : undefined,
        k,
        numCandidates: 0,
        model: '',
      },
      { deadlineMs: 15_000 },
    );
    console.log('similarity  track                                class    seen (UTC)                   hits');
    printHits(res.hits);
  } else {
    const res = await unary(
      client.searchEvents.bind(client),
      {
        filter: SearchFilter.fromPartial({ cameraIds: [values.events as string] }),
        types: [],
        trackId: '',
        pageSize: k,
        pageToken: '',
        oldestFirst: false,
      },
      { deadlineMs: 15_000 },
    );
    console.log(`${res.total} events; newest first:`);
    for (const e of res.events) {
      console.log(
        `${time(e.tsMs)}  ${TrackEventType[e.type].replace('TRACK_EVENT_TYPE_', '').padEnd(8)} ${e.cameraId}/${e.trackId}  ${e.className}${e.reason ? `  (${e.reason})` : ''}`,
      );
    }
  }
} catch (err) {
  const e = err as { code?: number; details?: string; message: string };
  console.error(
    `search failed: ${e.details ?? e.message}${e.code === 14 ? ` (is the demo running? SearchService at ${address})` : ''}`,
  );
  process.exitCode = 1;
} finally {
  client.close();
}
