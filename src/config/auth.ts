// Who may call the gateway: the `security.auth` keys of the configuration, JWT issuers and API
// keys with the sources each caller may see and those it may act on. src/auth.ts verifies callers against them.
import { z } from 'zod';
import { urlSetting } from './url.js';

/** A source name, or a pattern with `*` standing for any run of characters (`*` alone: every source). */
const sourcePattern = z
  .string()
  .regex(/^[A-Za-z0-9_.*-]{1,63}$/, 'must be a source name or a pattern such as "aws-*" or "*"');

/** A JWK's shape as far as it can be told without importing it; the messages never quote the key. */
const publicJwkSchema = z.record(z.unknown()).superRefine((jwk, ctx) => {
  if (jwk.kty === 'oct') {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: 'is a symmetric (oct) key, which no accepted algorithm can use: tokens must be signed with an asymmetric key (security.auth.jwt.algorithms), and a shared secret does not belong in this file',
    });
  } else if (jwk.d !== undefined) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'holds a private key (member "d"): list only the public key, and keep the private one with the identity provider' });
  }
});

const jwtSchema = z
  .object({
    /** Where the identity provider publishes its signing keys; fetched and cached, refreshed on an unknown key id. */
    jwksUrl: urlSetting('the URL of a JSON Web Key Set, such as https://idp.example.com/.well-known/jwks.json').optional(),
    /** Static public keys as JWKs, for providers without a JWKS endpoint; loadConfig also checks that each imports. */
    keys: z.array(publicJwkSchema).min(1, 'must hold at least one JWK').optional(),
    issuer: z.string().min(1, 'must name the token issuer (the iss claim)'),
    audience: z.string().min(1, 'must name this gateway as the token audience (the aud claim)'),
    algorithms: z.array(z.string().regex(/^(RS|PS|ES)(256|384|512)$|^EdDSA$/, 'must be an asymmetric JWS algorithm')).min(1).default(['RS256', 'ES256', 'EdDSA']),
    /** The claim listing the sources a caller may see: an array of names or patterns, or one space-separated string. */
    sourcesClaim: z.string().min(1).default('backup_sources'),
    /**
     * The claim listing the sources a caller may act on (start, stop, delete), in the same forms.
     * A token without it acts on nothing, whatever it may see.
     */
    writeSourcesClaim: z.string().min(1).default('backup_sources_write'),
    /**
     * The longest a token may live: exp minus iat, or minus now for a token without iat. A stolen
     * token is only as useful as it is long-lived, and a token without exp is refused outright.
     */
    maxTokenLifetimeSeconds: z.number().int().min(60).max(30 * 86_400).default(86_400),
  })
  .strict()
  .refine((jwt) => (jwt.jwksUrl === undefined) !== (jwt.keys === undefined), 'must set exactly one of jwksUrl and keys');

const apiKeySchema = z
  .object({
    /** Who holds the key; it appears in logs, never the key. */
    name: z.string().min(1).max(100),
    /** SHA-256 of the key as 64 hex digits: the file never holds the key itself. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be the SHA-256 of the key as 64 lowercase hex digits'),
    sources: z.array(sourcePattern).min(1, 'must list the sources this key may see'),
    /** The sources this key may act on (start, stop, delete); absent or empty: none. Only sources it may also see count. */
    write: z.array(sourcePattern).default([]),
  })
  .strict();

export const authSchema = z
  .object({
    jwt: jwtSchema.optional(),
    apiKeys: z.array(apiKeySchema).min(1).optional(),
  })
  .strict()
  .refine((auth) => auth.jwt !== undefined || auth.apiKeys !== undefined, 'must configure jwt, apiKeys or both');

export type AuthConfig = z.infer<typeof authSchema>;
