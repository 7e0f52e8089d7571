/**
 * What a bearer token must be before a service accepts it: long enough not to be guessed and
 * not one of the placeholders that ship in examples and documentation. Messages never contain
 * the token itself.
 */
export const MIN_TOKEN_LENGTH = 24;

// Placeholders found in this repository's examples (change-me-*, example-*, placeholder-*) and
// the usual suspects; matched case-insensitively at the start of the token.
const PLACEHOLDER_PREFIXES = [
  'change-me',
  'changeme',
  'change_me',
  'example',
  'placeholder',
  'replace-me',
  'replaceme',
  'your-',
  'todo',
  'dummy',
  'secret',
  'password',
];

export function tokenProblem(token: string): string | undefined {
  const lower = token.toLowerCase();
  const placeholder = PLACEHOLDER_PREFIXES.find((p) => lower.startsWith(p));
  if (placeholder) return `is a placeholder ("${placeholder}..."): generate a real one, e.g. openssl rand -hex 24`;
  if (/[<>]/.test(token)) return 'looks like a placeholder (contains < or >)';
  if (token.length < MIN_TOKEN_LENGTH) return `must be at least ${MIN_TOKEN_LENGTH} characters`;
  if (new Set(token).size < 8) return 'has fewer than 8 distinct characters';
  return undefined;
}
