// ListBackupJobs NextTokens: signed keyset positions, so that a page boundary survives jobs created between requests.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** The last job a page returned; the next page starts right after it in list order. */
export interface ListPosition {
  creationMs: number;
  backupJobId: string;
}

interface TokenBody {
  /** Digest of the filters the token was issued for: a token only continues the listing it came from. */
  f: string;
  c: number;
  i: string;
}

export class NextTokens {
  // Per sandbox instance, so a token from another sandbox (or a hand-made one) is refused.
  private readonly key = randomBytes(32);

  issue(scope: string, position: ListPosition): string {
    const body: TokenBody = { f: digest(scope), c: position.creationMs, i: position.backupJobId };
    const payload = Buffer.from(JSON.stringify(body)).toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  /** The position the token stands for, or undefined when this sandbox did not issue it for this scope. */
  read(token: string, scope: string): ListPosition | undefined {
    const [payload, signature, ...rest] = token.split('.');
    if (!payload || !signature || rest.length > 0) return undefined;
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TokenBody;
    if (body.f !== digest(scope)) return undefined;
    return { creationMs: body.c, backupJobId: body.i };
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}

function digest(scope: string): string {
  return createHash('sha256').update(scope).digest('base64url').slice(0, 22);
}
