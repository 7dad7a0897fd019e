// One OAuth token per tenant for every worker and replica of a gateway: kept sealed in the shared
// state, and renewed by whichever of them takes the lease while the others wait for it.
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SharedState } from '../shared-state/index.js';

/** A token and when to stop using it: `renewAt` is some time before `expiresAt`, SailPoint's end of it. */
export interface Session {
  token: string;
  renewAt: number;
  expiresAt: number;
}

/** A session as the shared state holds it: the token encrypted (AES-256-GCM), its times in clear. */
interface SealedSession {
  iv: string;
  tag: string;
  sealed: string;
  renewAt: number;
  expiresAt: number;
}

/** How often a process waiting for another's token request looks whether the token has arrived. */
const POLL_MS = 25;

export class SharedToken {
  /** Names the tenant and client without revealing anything of the secret. */
  private readonly key: string;
  private readonly leaseKey: string;
  /**
   * Derived from the client secret, so that only a holder of the secret can read the token out of
   * the shared state; the client id and tenant make it one key per client.
   */
  private readonly cipherKey: Buffer;

  /**
   * `waitMs` is how long a token request may take: the most a process waits for another's before
   * asking itself, and how long the lease lasts should its holder die while asking.
   */
  constructor(
    private readonly state: SharedState,
    tenant: { baseUrl: string; clientId: string; clientSecret: string },
    private readonly waitMs: number,
  ) {
    const id = createHash('sha256').update(`${tenant.baseUrl}\n${tenant.clientId}`).digest('hex');
    this.key = `sailpoint-token:${id}`;
    this.leaseKey = `${this.key}:renewal`;
    this.cipherKey = Buffer.from(hkdfSync('sha256', tenant.clientSecret, tenant.clientId, `backup-graph sailpoint token ${id}`, 32));
  }

  /**
   * A token with time left: the shared one, or else one from `request`, asked by one process at a
   * time (the lease holder) and shared with the others. A process whose wait outlasts a token
   * request's deadline (the holder died, or is stuck) asks itself.
   */
  async current(request: () => Promise<Session>): Promise<Session> {
    const deadline = Date.now() + this.waitMs;
    for (;;) {
      const shared = await this.usable();
      if (shared) return shared;
      if (Date.now() >= deadline) return this.publish(await request());
      if (await this.state.lease(this.leaseKey, this.waitMs)) {
        try {
          // The previous holder may have shared its token between our look and our lease.
          return (await this.usable()) ?? (await this.publish(await request()));
        } finally {
          await this.state.release(this.leaseKey);
        }
      }
      await sleep(POLL_MS);
    }
  }

  /**
   * Marks a refused token as refused for every process, if it is still the shared one: a 401 then
   * costs one token request, not one per process. The mark names the sealing (its random iv), not
   * the entry, so a token another process shares meanwhile is never dropped with the old one.
   */
  async drop(stale: Session): Promise<void> {
    const stored = await this.state.read<SealedSession>(this.key);
    if (!stored || this.open(stored.value) !== stale.token) return;
    await this.state.write(this.refusedKey(stored.value), { value: true, fetchedAt: Date.now() }, this.ttl(stored.value));
  }

  private async usable(): Promise<Session | undefined> {
    const stored = await this.state.read<SealedSession>(this.key);
    if (!stored || Date.now() >= stored.value.renewAt) return undefined;
    const token = this.open(stored.value);
    if (token === undefined || (await this.state.read(this.refusedKey(stored.value)))) return undefined;
    return { token, renewAt: stored.value.renewAt, expiresAt: stored.value.expiresAt };
  }

  private refusedKey(value: SealedSession): string {
    return `${this.key}:refused:${value.iv}`;
  }

  private async publish(session: Session): Promise<Session> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.cipherKey, iv).setAAD(Buffer.from(this.key));
    const sealed = Buffer.concat([cipher.update(session.token, 'utf8'), cipher.final()]);
    const value: SealedSession = {
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      sealed: sealed.toString('base64'),
      renewAt: session.renewAt,
      expiresAt: session.expiresAt,
    };
    await this.state.write(this.key, { value, fetchedAt: Date.now() }, this.ttl(value));
    return session;
  }

  /** The token, or undefined when it was sealed under another key (another secret) or altered. */
  private open(value: SealedSession): string | undefined {
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.cipherKey, Buffer.from(value.iv, 'base64'))
        .setAAD(Buffer.from(this.key))
        .setAuthTag(Buffer.from(value.tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(value.sealed, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }

  private ttl(value: SealedSession): number {
    return Math.max(1, value.expiresAt - Date.now());
  }
}
