// stack.sh: writes the NATS users' passwords and the server's authorization block into the
// folder given (.stack/nats), owner-only.   node --conditions=source --import tsx deploy/local/nats-credentials.ts DIR
import { writeNatsCredentials } from '@va/harness/pipeline/nats-credentials';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: nats-credentials.ts DIR\n');
  process.exit(2);
}
process.stdout.write(`${writeNatsCredentials(dir).authorizationFile}\n`);
