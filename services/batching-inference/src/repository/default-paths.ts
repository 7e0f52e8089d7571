import { fileURLToPath } from 'node:url';

// Both from src/repository/ and from dist/repository/ these resolve to the same folders.
/** The model repository shipped with the service: services/batching-inference/models. */
export const DEFAULT_REPOSITORY_DIR = fileURLToPath(new URL('../../models', import.meta.url));

/** The checkout's root. */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** Models and data beside the checkout (VA_SHARED_DIR overrides it where configuration is read). */
export const DEFAULT_SHARED_DIR = fileURLToPath(new URL('../../../../../shared', import.meta.url));
