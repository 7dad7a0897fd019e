// Who is calling: verifies a JWT (against a JWKS or static keys) or an API key, and says which
// configured sources that caller may see and act on. Without an auth configuration every caller sees
// everything, and acts on nothing unless every source is the embedded sandbox's.
import { createHash, timingSafeEqual } from 'node:crypto';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { createLocalJWKSet, createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWK, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { AuthConfig } from './config/auth.js';
import { ErrorCode } from './model/errors.js';
import { log } from './observability/log.js';

export interface Caller {
  /** For logs: the token subject or the API key's name; never the credential. */
  readonly name: string;
  maySee(sourceName: string): boolean;
  /**
   * Whether the caller may act on the source (start, stop, delete). Separate from seeing it:
   * nothing grants it by default, and it acts only on a source the caller may also see.
   */
  mayWrite(sourceName: string): boolean;
}

/**
 * The caller of a gateway without authentication, over real upstreams: it sees every source and
 * acts on none, since nothing tells one person from another and an action changes real backups.
 */
export const EVERYONE: Caller = { name: 'anonymous', maySee: () => true, mayWrite: () => false };

/**
 * The caller of a gateway without authentication over its own embedded sandbox: it may also act on
 * every source, because every source is a local fake and nothing real can be touched.
 */
export const EVERYONE_ON_SANDBOX: Caller = { name: 'anonymous', maySee: () => true, mayWrite: () => true };

/** Whether the caller is nobody in particular (no authentication is configured): its address then stands for it. */
export function isAnonymous(caller: Caller): boolean {
  return caller === EVERYONE || caller === EVERYONE_ON_SANDBOX;
}

/** Fails closed: what a request counts as if authentication was configured but left no caller. */
const NOBODY: Caller = { name: 'unauthenticated', maySee: () => false, mayWrite: () => false };

/**
 * Patterns from configuration or a token claim: `*` stands for any run of characters. `write`
 * lists the sources the caller may act on; a source it may not see is never among them.
 */
export function callerFor(name: string, patterns: readonly string[], write: readonly string[] = []): Caller {
  const maySee = matcherOf(patterns);
  const mayAct = matcherOf(write);
  return { name, maySee, mayWrite: (sourceName) => maySee(sourceName) && mayAct(sourceName) };
}

function matcherOf(patterns: readonly string[]): (sourceName: string) => boolean {
  const matchers = patterns.map(
    (pattern) => new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\-]/g, '\\$&')).join('.*')}$`),
  );
  return (sourceName) => matchers.some((matcher) => matcher.test(sourceName));
}

export class Authenticator {
  private readonly keySet: JWTVerifyGetKey | undefined;
  private readonly apiKeys: { name: string; digest: Buffer; sources: string[]; write: string[] }[];

  constructor(private readonly config: AuthConfig) {
    const { jwt } = config;
    if (jwt?.jwksUrl) this.keySet = createRemoteJWKSet(new URL(jwt.jwksUrl), { timeoutDuration: 3_000 });
    else if (jwt?.keys) this.keySet = createLocalJWKSet({ keys: jwt.keys as JWK[] });
    this.apiKeys = (config.apiKeys ?? []).map((key) => ({ ...key, digest: Buffer.from(key.sha256, 'hex') }));
  }

  /** The caller a request speaks for; throws UNAUTHENTICATED (or AUTH_UNAVAILABLE) when it cannot tell. */
  async authenticate(headers: Headers): Promise<Caller> {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.get('authorization') ?? '')?.[1];
    if (bearer !== undefined && this.keySet) return this.verifyToken(bearer, this.keySet);
    const apiKey = headers.get('x-api-key') ?? (this.keySet ? undefined : bearer);
    if (apiKey && this.apiKeys.length > 0) return this.verifyApiKey(apiKey);
    throw unauthenticated(`Send ${this.accepted()}`);
  }

  private accepted(): string {
    const ways = [this.keySet ? 'a JWT as "Authorization: Bearer <token>"' : null, this.apiKeys.length ? 'an API key as "x-api-key"' : null];
    return ways.filter(Boolean).join(' or ');
  }

  private async verifyToken(token: string, keySet: JWTVerifyGetKey): Promise<Caller> {
    const jwt = this.config.jwt!;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keySet, {
        issuer: jwt.issuer,
        audience: jwt.audience,
        algorithms: jwt.algorithms,
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JWKSInvalid || !(error instanceof joseErrors.JOSEError)) {
        const name = error instanceof Error ? error.name : 'unknown error';
        log('warn', 'auth', `[auth] the signing keys could not be read: ${name}`, { error: name });
        throw new GraphQLError('The gateway cannot verify tokens right now; try again shortly', {
          extensions: { code: ErrorCode.AUTH_UNAVAILABLE, http: { status: 503 } },
        });
      }
      throw unauthenticated(reasonFor(error));
    }
    // jose has made sure exp is a number; iat, when present, too.
    const lifetime = payload.exp! - (payload.iat ?? Math.floor(Date.now() / 1000));
    if (lifetime > jwt.maxTokenLifetimeSeconds) {
      throw unauthenticated(`The token lives longer than this gateway accepts (${jwt.maxTokenLifetimeSeconds} s from its issue)`);
    }
    return callerFor(payload.sub ?? 'token without subject', patternsOf(payload[jwt.sourcesClaim]), patternsOf(payload[jwt.writeSourcesClaim]));
  }

  private verifyApiKey(key: string): Caller {
    const digest = createHash('sha256').update(key, 'utf8').digest();
    const match = this.apiKeys.find((candidate) => timingSafeEqual(candidate.digest, digest));
    if (!match) throw unauthenticated('The API key is not known');
    return callerFor(`api key ${match.name}`, match.sources, match.write);
  }
}

/** A signature no key verifies: what a key must answer with to prove it imports and fits the algorithm. */
const PROBE_SIGNATURE = Buffer.alloc(64, 1).toString('base64url');

const base64Json = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * The static keys no token could ever verify with, each with why (never the key). Each is tried the
 * way a request tries it, through jose's key selection, import and checks, with a token of every
 * accepted algorithm and a wrong signature: a usable key gets as far as the signature, an unusable
 * one fails as it would on every request (503 AUTH_UNAVAILABLE, or no key found).
 */
export async function unusableKeys(jwt: NonNullable<AuthConfig['jwt']>): Promise<{ index: number; reason: string }[]> {
  const found = await Promise.all((jwt.keys ?? []).map(async (jwk, index) => ({ index, reason: await whyUnusable(jwk as JWK, jwt.algorithms) })));
  return found.filter((key): key is { index: number; reason: string } => key.reason !== null);
}

async function whyUnusable(jwk: JWK, algorithms: readonly string[]): Promise<string | null> {
  const keySet = createLocalJWKSet({ keys: [jwk] });
  const refused: string[] = [];
  for (const alg of algorithms) {
    try {
      await jwtVerify(`${base64Json({ alg })}.${base64Json({})}.${PROBE_SIGNATURE}`, keySet, { algorithms: [alg] });
      return null;
    } catch (error) {
      if (error instanceof joseErrors.JWSSignatureVerificationFailed) return null;
      if (!(error instanceof joseErrors.JWKSNoMatchingKey)) refused.push(`${alg} (${error instanceof Error ? error.name : 'unknown error'})`);
    }
  }
  if (refused.length === 0) {
    return 'fits none of the accepted algorithms (security.auth.jwt.algorithms): check its kty, crv, alg and use';
  }
  return `cannot be imported as a public key for ${refused.join(', ')}: it must be a well-formed public JWK (RSA keys: 2048 bits or more)`;
}

/** A claim of source patterns: an array of names or patterns, or one space-separated string; anything else lists none. */
function patternsOf(claim: unknown): string[] {
  return typeof claim === 'string' ? claim.split(/\s+/).filter(Boolean) : Array.isArray(claim) ? claim.filter(isString) : [];
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

/** Why a token was refused, in words that help its holder and reveal nothing about the keys. */
function reasonFor(error: joseErrors.JOSEError): string {
  if (error instanceof joseErrors.JWTExpired) return 'The token has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed && error.reason === 'missing') return `The token has no "${error.claim}" claim, which this gateway requires`;
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `The token's "${error.claim}" claim is not accepted`;
  if (error instanceof joseErrors.JWSSignatureVerificationFailed || error instanceof joseErrors.JWKSNoMatchingKey) {
    return 'The token signature does not verify';
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'The token is signed with an algorithm this gateway does not accept';
  return 'The token is not a valid JWT';
}

function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401, headers: { 'www-authenticate': 'Bearer' } } },
  });
}

/**
 * Authenticates every GraphQL request before it is parsed, so that an unknown caller learns
 * nothing about the schema; the context reads the caller back with `callerOf`. Without an
 * authenticator every request is anonymous, and may act only when `onSandbox` says that every
 * source is the embedded sandbox's.
 */
export function useAuthentication(authenticator: Authenticator | null, onSandbox = false): Plugin & { callerOf(request: Request): Caller } {
  const callers = new WeakMap<Request, Caller>();
  const anonymous = onSandbox ? EVERYONE_ON_SANDBOX : EVERYONE;
  return {
    async onRequestParse({ request }) {
      if (authenticator) callers.set(request, await authenticator.authenticate(request.headers));
    },
    callerOf: (request) => callers.get(request) ?? (authenticator ? NOBODY : anonymous),
  };
}
