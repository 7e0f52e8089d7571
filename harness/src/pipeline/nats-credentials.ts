// One NATS user per service (services/common/src/nats/bus-identities.ts), with random passwords
// kept in an owner-only folder: the local stack's .stack/nats and each test's nats-server.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BUS_IDENTITIES, literalPassword, renderNatsAuthorization, type BusIdentity } from '@va/common';

export interface NatsCredentials {
  /** Folder (mode 0700) with <identity>.password files (0600) and authorization.conf (0600). */
  dir: string;
  /** The nats-server `authorization` block with these passwords, for `include`. */
  authorizationFile: string;
}

/** Creates the passwords that are missing (existing ones are kept, so a restarted server and its clients agree). */
export function writeNatsCredentials(dir: string): NatsCredentials {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const passwords = {} as Record<BusIdentity, string>;
  for (const identity of BUS_IDENTITIES) {
    const file = passwordFile(dir, identity);
    if (!existsSync(file)) writeFileSync(file, `${randomBytes(24).toString('hex')}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
    passwords[identity] = readFileSync(file, 'utf8').trim();
  }
  const authorizationFile = join(dir, 'authorization.conf');
  writeFileSync(authorizationFile, renderNatsAuthorization(literalPassword(passwords)), { mode: 0o600 });
  chmodSync(authorizationFile, 0o600);
  return { dir, authorizationFile };
}

function passwordFile(dir: string, identity: BusIdentity): string {
  return join(dir, `${identity}.password`);
}

/** How a process started here connects as `identity` (the services' NATS_USER + NATS_PASSWORD_FILE). */
export function natsIdentityEnv(dir: string, identity: BusIdentity): Record<string, string> {
  return { NATS_USER: identity, NATS_PASSWORD_FILE: passwordFile(dir, identity) };
}

/** User and password for a client of the `nats` package. */
export function natsClientAuth(dir: string, identity: BusIdentity): { user: string; pass: string } {
  return { user: identity, pass: readFileSync(passwordFile(dir, identity), 'utf8').trim() };
}
