// Faults a sandbox can be told to inject, per upstream source and operation, and the admin
// endpoint both sandboxes serve to set them (`/__sandbox/faults`) and to read call counts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';

export const FAULTS_PATH = '/__sandbox/faults';
export const CALLS_PATH = '/__sandbox/calls';

const faultKindSchema = z.discriminatedUnion('kind', [
  /** Answer normally, this much later. */
  z.object({ kind: z.literal('latency'), ms: z.number().int().min(0).max(600_000) }),
  /** Never answer; the connection stays open until the client gives up. */
  z.object({ kind: z.literal('hang') }),
  /** A server error in the upstream's own error shape (default 503); refused credentials are `credentials`. */
  z.object({ kind: z.literal('error'), status: z.number().int().min(500).max(599).optional() }),
  /** The upstream's rate-limit answer: AWS ThrottlingException, SailPoint 429 with Retry-After. */
  z.object({ kind: z.literal('throttle'), retryAfterSeconds: z.number().int().min(0).max(3600).optional() }),
  /** A refusal of what the request contains, not of its rate: AWS LimitExceededException, SailPoint 400. */
  z.object({ kind: z.literal('limit') }),
  /** The TCP connection is dropped without an answer. */
  z.object({ kind: z.literal('reset') }),
  /** 200 with a body that is not the JSON the operation promises. */
  z.object({ kind: z.literal('malformed') }),
  /**
   * Answers normally, with one member of the answer's first record (a list's first element, or
   * the one record a lookup returns) set to `value`: a state the gateway does not know yet, a
   * member of the wrong type.
   */
  z.object({ kind: z.literal('rewrite'), member: z.string().min(1), value: z.unknown() }),
  /** The credentials are refused: AWS ExpiredTokenException, SailPoint 401 (an expired or revoked token or client). */
  z.object({ kind: z.literal('credentials') }),
  /** The identity may not make the call: AWS AccessDeniedException, SailPoint 403 (a token without the rights). */
  z.object({ kind: z.literal('denied') }),
  /** Clears the faults of this target (and operation, when one is named). */
  z.object({ kind: z.literal('none') }),
]);

export type SandboxFault = z.infer<typeof faultKindSchema>;
export type ActiveFault = Exclude<SandboxFault, { kind: 'none' }>;

/** Where a fault applies: the target's calls of one operation, or of every operation. */
export interface FaultScope<Operation extends string> {
  operation?: Operation;
  /** Only the next this-many matching calls, then the fault clears itself (default: until cleared). */
  times?: number;
}

interface Entry<Operation extends string> {
  target: string;
  operation?: Operation;
  remaining?: number;
  fault: ActiveFault;
}

/** The faults of one sandbox. Targets are what a gateway source points at: an AWS Region, a SailPoint tenant. */
export class FaultTable<Operation extends string> {
  private entries: Entry<Operation>[] = [];

  constructor(
    private readonly targets: readonly string[],
    readonly operations: readonly Operation[],
  ) {}

  set(target: string, fault: SandboxFault & FaultScope<Operation>): void {
    if (!this.targets.includes(target)) {
      throw new RangeError(`Unknown sandbox target '${target}'; known: ${this.targets.join(', ')}`);
    }
    const { operation, times, ...kind } = fault;
    if (operation !== undefined && !this.operations.includes(operation)) {
      throw new RangeError(`Unknown operation '${operation}'; known: ${this.operations.join(', ')}`);
    }
    const valid = faultKindSchema.parse(kind);
    this.entries = this.entries.filter((entry) => entry.target !== target || entry.operation !== operation);
    if (valid.kind === 'none') {
      if (operation === undefined) this.entries = this.entries.filter((entry) => entry.target !== target);
      return;
    }
    this.entries.push({ target, fault: valid, ...(operation ? { operation } : {}), ...(times ? { remaining: times } : {}) });
  }

  clear(): void {
    this.entries = [];
  }

  list(): { target: string; operation?: Operation; remaining?: number; fault: ActiveFault }[] {
    return this.entries.map((entry) => ({ ...entry }));
  }

  /** The fault for one call, counted against its `times`; an operation's own fault wins over the target's. */
  take(target: string, operation: Operation): ActiveFault | undefined {
    const entry =
      this.entries.find((candidate) => candidate.target === target && candidate.operation === operation) ??
      this.entries.find((candidate) => candidate.target === target && candidate.operation === undefined);
    if (!entry) return undefined;
    if (entry.remaining !== undefined && --entry.remaining <= 0) this.entries = this.entries.filter((other) => other !== entry);
    return entry.fault;
  }
}

export type RewriteFault = Extract<ActiveFault, { kind: 'rewrite' }>;

/** `body` with the rewrite applied to its first record: the first of `records(body)`, or `body` itself when that is empty. */
export function rewritten(body: unknown, fault: RewriteFault | undefined, records: (body: unknown) => unknown[] = () => []): unknown {
  if (!fault) return body;
  const copy = structuredClone(body);
  const target = records(copy)[0] ?? copy;
  if (typeof target === 'object' && target !== null) (target as Record<string, unknown>)[fault.member] = fault.value;
  return copy;
}

/** The faults each upstream answers in its own way; the others look the same on every wire. */
export type AnsweredFault = Extract<ActiveFault, { kind: 'error' | 'throttle' | 'limit' | 'malformed' | 'credentials' | 'denied' }>;

/**
 * Plays the faults that happen below the HTTP answer, alike for every upstream. 'done': the call
 * is over (hung or dropped); 'go on': answer as usual (after an injected latency); otherwise the
 * fault the upstream must answer in its own shape.
 */
export async function playConnectionFault(fault: ActiveFault, req: IncomingMessage): Promise<'done' | 'go on' | AnsweredFault> {
  switch (fault.kind) {
    case 'latency':
      await sleep(fault.ms);
      return 'go on';
    case 'hang':
      // Never answered; the server's close() ends the connection.
      return 'done';
    case 'reset':
      req.socket.destroy();
      return 'done';
    case 'rewrite':
      // The answer is made as usual; the server changes it on its way out (see rewritten).
      return 'go on';
    default:
      return fault;
  }
}

/**
 * Serves `/__sandbox/faults` (GET lists, POST sets one, DELETE clears all) and `/__sandbox/calls`
 * (GET reads the counts, DELETE resets them). `targetKey` names the body member that says where
 * the fault applies (`region` for AWS, `tenant` for SailPoint).
 */
export async function handleAdmin<Operation extends string>(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  admin: { faults: FaultTable<Operation>; targetKey: string; calls: () => unknown; resetCalls: () => void },
): Promise<void> {
  const send = (status: number, body?: unknown) => {
    if (body === undefined) return void res.writeHead(status).end();
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  if (path === CALLS_PATH) {
    if (req.method === 'GET') return send(200, admin.calls());
    if (req.method === 'DELETE') return admin.resetCalls(), send(204);
    return send(405, { error: 'Use GET to read the call counts or DELETE to reset them.' });
  }
  if (req.method === 'GET') return send(200, admin.faults.list());
  if (req.method === 'DELETE') return admin.faults.clear(), send(204);
  if (req.method !== 'POST') return send(405, { error: 'Use POST to set a fault, GET to list them, DELETE to clear them all.' });

  let body: Record<string, unknown>;
  try {
    body = JSON.parse((await readSmallBody(req)).toString('utf8')) as Record<string, unknown>;
  } catch {
    return send(400, { error: `The body must be JSON, such as {"${admin.targetKey}": "...", "kind": "hang"}.` });
  }
  const { [admin.targetKey]: target, operation, times, ...kind } = body ?? {};
  const scope = z
    .object({ target: z.string(), operation: z.string().optional(), times: z.number().int().min(1).optional() })
    .safeParse({ target, operation, times });
  const fault = faultKindSchema.safeParse(kind);
  if (!scope.success || !fault.success) {
    const issues = [...(scope.success ? [] : scope.error.issues), ...(fault.success ? [] : fault.error.issues)];
    return send(400, { error: issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ') });
  }
  const { target: where, operation: only, times: count } = scope.data;
  const applied = { ...fault.data, ...(only ? { operation: only as Operation } : {}), ...(count ? { times: count } : {}) };
  try {
    admin.faults.set(where, applied);
  } catch (error) {
    return send(400, { error: (error as Error).message });
  }
  send(200, { [admin.targetKey]: where, ...applied });
}

export async function readSmallBody(req: IncomingMessage, limit = 1 << 20): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
