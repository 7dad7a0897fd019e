// The one rule every URL setting of the configuration follows: http or https, no user or password
// in it, and https in production mode unless it names a loopback address. Messages never quote the
// URL, which may hold a password.
import { z } from 'zod';

/** Hosts whose traffic never leaves the machine: a local emulator, a sidecar, a test's sandbox. */
const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/** The schemas urlSetting built, so that the production check finds every URL key of a source kind. */
const urlSettings = new WeakSet<z.ZodTypeAny>();

/**
 * A URL setting; `what` says what it must be, as in "the URL of a JSON Web Key Set, such as
 * https://idp.example.com/.well-known/jwks.json".
 */
export function urlSetting(what: string): z.ZodEffects<z.ZodString> {
  const schema = z.string().superRefine((value, ctx) => {
    const problem = shapeProblem(value, what);
    if (problem !== null) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
  });
  urlSettings.add(schema);
  return schema;
}

function shapeProblem(value: string, what: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `must be ${what}`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `must be an http or https URL: ${what}`;
  // fetch refuses such a URL, and a secret in a URL ends up in logs and process listings.
  if (url.username !== '' || url.password !== '') return 'must not hold a user or password: credentials have settings of their own';
  return null;
}

/** Why a URL setting's value must not be used in production mode, or null (also when urlSetting refuses it anyway). */
export function productionProblem(value: string): string | null {
  if (shapeProblem(value, '') !== null) return null;
  const url = new URL(value);
  if (url.protocol === 'https:' || LOOPBACK_HOST.test(url.hostname)) return null;
  return 'must be https in production mode (plain http only to a loopback address; a development configuration sets security.production to false)';
}

/** The keys of an object schema that are URL settings, optional ones included. */
export function urlKeys(shape: z.ZodRawShape): string[] {
  return Object.keys(shape).filter((key) => {
    const schema = shape[key]!;
    return urlSettings.has(schema instanceof z.ZodOptional ? schema.unwrap() : schema);
  });
}
