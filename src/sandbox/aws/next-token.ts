// ListBackupJobs NextTokens: signed keyset positions, so that a page boundary survives jobs created between requests.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ListKey } from './list-order.js';

interface TokenBody {
  /** Digest of the filters the token was issued for: a token only continues the listing it came from. */
  f: string;
  /** The list key of the last job a page returned; the next page starts right after it. */
  k: ListKey;
}

export class NextTokens {
  // Per sandbox instance, so a token from another sandbox (or a hand-made one) is refused.
  private readonly key = randomBytes(32);

  issue(scope: string, position: ListKey): string {
    const body: TokenBody = { f: digest(scope), k: position };
    const payload = Buffer.from(JSON.stringify(body)).toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  /** The position the token stands for, or undefined when this sandbox did not issue it for this scope. */
  read(token: string, scope: string): ListKey | undefined {
    const [payload, signature, ...rest] = token.split('.');
    if (!payload || !signature || rest.length > 0) return undefined;
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TokenBody;
    if (body.f !== digest(scope)) return undefined;
    return body.k;
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}

function digest(scope: string): string {
  return createHash('sha256').update(scope).digest('base64url').slice(0, 22);
}
