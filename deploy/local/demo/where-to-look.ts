// What the demo prints once the pipeline is up: where the metrics, health, search, tokens and
// logs are, with commands that work as pasted.
import { relative } from 'node:path';
import type { Pipeline } from '@va/harness/pipeline/pipeline-launcher';
import { SERVICE_NAMES } from '@va/harness/pipeline/service-catalog';

export function whereToLook(
  p: Pipeline,
  files: { tokens: string; endpoints: string; logDir: string },
  root: string,
): string[] {
  const show = (path: string) => (path.startsWith(root) ? relative(root, path) : path);
  const es = p.settings.esUrl.replace(/\/$/, '');
  const prefix = p.settings.indexPrefix;
  const pad = (s: string) => s.padEnd(20);
  return [
    'The pipeline is running. Where to look:',
    '  metrics (Prometheus text) and health (/healthz, /readyz):',
    ...SERVICE_NAMES.map((n) => `    ${pad(n)} ${p.httpUrl(n)}    gRPC ${p.addresses[n]}`),
    '  search (gRPC SearchService, viewer token):',
    '    npm run search -- --similar-to <camera>/<track>      tracks that look alike (a real track id appears below)',
    '    npm run search -- --events <camera>                  the latest track events',
    '  search (Elasticsearch, what the indexer stored):',
    `    curl -s '${es}/${prefix}-track-events/_search?size=5&sort=@timestamp:desc&pretty'`,
    `    curl -s '${es}/${prefix}-flags/_search?size=5&sort=@timestamp:desc&pretty'`,
    `  tokens  ${show(files.tokens)} (viewer, operator, admin; gRPC header 'authorization: Bearer <token>')`,
    `  logs    ${show(files.logDir)}/<service>.log`,
    'Ctrl-C stops everything (the demo streams are removed; indexed data stays in Elasticsearch).',
  ];
}
