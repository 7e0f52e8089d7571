import type { Client } from '@elastic/elasticsearch';
import { errorMessage, type Logger } from '@va/common';
import type { IndicesConfig } from '../config.js';
import { INDEX_KINDS, type IndexNames } from './index-names.js';
import { SCHEMA_VERSION, mappingFor } from './mappings.js';

/**
 * Declares one composable index template per kind: settings, mappings and the read alias every
 * daily index joins when Elasticsearch creates it on the first write. Putting a template is
 * idempotent, so this runs at every start-up (and again after Elasticsearch comes back). Indices
 * that already exist get the mappings too when the change is additive; a conflicting change only
 * applies from the next daily index on (logged).
 */
export async function applyIndexTemplates(
  client: Client,
  names: IndexNames,
  config: IndicesConfig,
  log: Logger,
): Promise<void> {
  for (const kind of INDEX_KINDS) {
    const mappings = mappingFor(kind, config.vector);
    await client.indices.putIndexTemplate({
      name: names.template(kind),
      index_patterns: [names.pattern(kind)],
      // Above the built-in templates (priority 100..200), so ours wins for our patterns.
      priority: 500,
      _meta: { managed_by: 'embedding-search', schema_version: SCHEMA_VERSION },
      template: {
        settings: {
          number_of_shards: config.shards,
          number_of_replicas: config.replicas,
          refresh_interval: `${config.refreshIntervalMs}ms`,
          // Synthetic source rebuilds the vector from the index instead of keeping its JSON as well; reads return it as before.
          ...(kind === 'embeddings' && config.embeddingsSource === 'synthetic'
            ? { 'index.mapping.source.mode': 'synthetic' }
            : {}),
        },
        mappings,
        aliases: { [names.alias(kind)]: {} },
      },
    });
    const existing = await client.indices.get({
      index: names.pattern(kind),
      ignore_unavailable: true,
      allow_no_indices: true,
      features: ['mappings'],
    });
    const indices = Object.keys(existing);
    if (indices.length === 0) continue;
    try {
      await client.indices.putMapping({
        index: indices,
        dynamic: mappings.dynamic,
        properties: mappings.properties,
        ...(mappings.dynamic_templates ? { dynamic_templates: mappings.dynamic_templates } : {}),
      });
    } catch (err) {
      log.warn(
        { kind, indices: indices.length, error: errorMessage(err) },
        'existing indices keep their older mapping; the new one applies from the next daily index',
      );
    }
  }
  log.info(
    { kinds: INDEX_KINDS, prefix: names.prefix, schemaVersion: SCHEMA_VERSION, vector: config.vector.type },
    'index templates applied',
  );
}
