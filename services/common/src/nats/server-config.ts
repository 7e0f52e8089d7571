import { BUS_IDENTITIES, busPermissions, type BusIdentity } from './bus-identities.js';

/**
 * The nats-server `authorization` block for BUS_IDENTITIES: one user per identity with its allow
 * lists. There is no `no_auth_user`, so a connection without credentials is refused.
 *
 * `password` gives each identity's password as it goes into the file: `literalPassword` (the
 * local stack and the tests write the file owner-only) or `passwordFromEnv` (`$VAR`, which
 * nats-server takes from its environment: Compose and Kubernetes pass secrets that way, so the
 * committed file holds none).
 */
export function renderNatsAuthorization(password: (identity: BusIdentity) => string): string {
  const users = BUS_IDENTITIES.map((identity) => {
    const permissions = busPermissions(identity);
    const fields = [`user: ${JSON.stringify(identity)}`, `password: ${password(identity)}`];
    if (permissions !== 'all') {
      // An empty allow list would allow everything: an identity that publishes nothing is denied '>'.
      const publish = permissions.publish.length > 0 ? `allow: ${list(permissions.publish)}` : `deny: [">"]`;
      const respond = permissions.respond
        ? `\n        allow_responses: { max: ${permissions.respond.max}, expires: "${permissions.respond.expiresMs}ms" }`
        : '';
      fields.push(
        `permissions: {\n        publish: { ${publish} }\n        subscribe: { allow: ${list(permissions.subscribe)} }${respond}\n      }`,
      );
    }
    return `    {\n      ${fields.join('\n      ')}\n    }`;
  });
  return `# Generated from services/common/src/nats/bus-identities.ts; do not edit by hand.\nauthorization {\n  users: [\n${users.join('\n')}\n  ]\n}\n`;
}

function list(values: string[]): string {
  return `[${values.map((v) => JSON.stringify(v)).join(', ')}]`;
}

export function literalPassword(passwords: Record<BusIdentity, string>): (identity: BusIdentity) => string {
  return (identity) => {
    const value = passwords[identity];
    // Generated passwords are hex; anything else could break out of the quoted string.
    if (!/^[A-Za-z0-9_-]{16,}$/.test(value))
      throw new Error(`password of NATS user ${identity} must be 16+ characters of [A-Za-z0-9_-]`);
    return JSON.stringify(value);
  };
}

/** `VA_NATS_PASSWORD_BATCHING_INFERENCE` for 'batching-inference'. */
export function passwordEnvName(identity: BusIdentity): string {
  return `VA_NATS_PASSWORD_${identity.toUpperCase().replace(/-/g, '_')}`;
}

export function passwordFromEnv(identity: BusIdentity): string {
  return `$${passwordEnvName(identity)}`;
}
