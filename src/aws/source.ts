// One configured AWS Backup source: a BackupClient for its region and account, every call run
// through the source's guard (deadline, concurrency, circuit breaker) and classified into the
// gateway's error vocabulary.
import { bulkhead, type BulkheadPolicy } from 'cockatiel';
import {
  BackupClient,
  BackupServiceException,
  DescribeBackupJobCommand,
  ListBackupJobsCommand,
  paginateListBackupJobs,
  ResourceNotFoundException,
  type BackupClientConfig,
  type BackupJob,
  type DescribeBackupJobOutput,
  type ListBackupJobsInput,
} from '@aws-sdk/client-backup';
import type { AwsSourceConfig } from '../config/index.js';
import { ErrorCode, SourceError } from '../errors.js';
import { ListCache } from '../list-cache.js';
import { requestDeadline, SourceGuard, untilRequestDeadline, type CircuitName, type SourceHealth } from '../source-guard.js';

export type { SourceHealth };

export type { BackupJob, DescribeBackupJobOutput, ListBackupJobsInput };

export interface ListPage {
  jobs: BackupJob[];
  nextToken?: string;
}

/**
 * The SDK's logger middleware builds a redacted deep copy of every answer for `logger.info`, even
 * for its default no-op logger; a logger without `info` skips that work (6-14% of the CPU of one
 * operation in the benchmark).
 */
const QUIET_LOGGER = { debug: () => undefined, warn: () => undefined, error: () => undefined } as unknown as BackupClientConfig['logger'];

export class AwsBackupSource {
  readonly kind = 'aws' as const;
  readonly name: string;
  readonly region: string;
  readonly accountId: string | undefined;
  private readonly client: BackupClient;
  private readonly guard: SourceGuard;
  /** Describe calls fan out per job; they get a tighter bound of their own inside the guard's. */
  private readonly describeSlots: BulkheadPolicy;
  private readonly listCache: ListCache<ListPage>;

  constructor(config: AwsSourceConfig) {
    this.name = config.name;
    this.region = config.region;
    this.accountId = config.accountId;
    this.guard = new SourceGuard(config.name, config);
    this.describeSlots = bulkhead(config.describeConcurrency, Number.POSITIVE_INFINITY);
    this.listCache = new ListCache(config.listCacheTtlMs);
    this.client = new BackupClient({
      region: config.region,
      ...(config.endpoint ? { endpoint: config.endpoint } : {}),
      ...(config.credentials ? { credentials: config.credentials } : {}),
      // The SDK's standard strategy retries throttling, 5xx and dropped connections with backoff
      // and jitter; the guard's deadline bounds the whole, retries included.
      retryMode: 'standard',
      maxAttempts: 3,
      // Without throwOnRequestTimeout the SDK only logs a request that overruns requestTimeout.
      requestHandler: { connectionTimeout: Math.min(3_000, config.timeoutMs), requestTimeout: config.timeoutMs, throwOnRequestTimeout: true },
      logger: QUIET_LOGGER,
    });
  }

  /** Describes one job; resolves null when the job does not exist in this source. */
  describe(backupJobId: string, requestSignal?: AbortSignal): Promise<DescribeBackupJobOutput | null> {
    // A Describe first waits for one of its own slots, then takes one of the source's, so a fan-out
    // never holds the source's slots idle while lists wait. As in the guard, the bulkhead gets no
    // signal (cockatiel 3.2 loses a slot per aborted queued call): a lookup whose request has ended
    // starts and ends at once, and its caller stops waiting at the request's deadline.
    const queued = () =>
      this.describeSlots.execute(() => {
        if (requestSignal?.aborted) throw requestDeadline(this.name, 'DescribeBackupJob');
        return this.call('DescribeBackupJob', requestSignal, async (abortSignal) => {
          try {
            return await this.client.send(new DescribeBackupJobCommand({ BackupJobId: backupJobId }), { abortSignal });
          } catch (error) {
            if (error instanceof ResourceNotFoundException) return null;
            throw error;
          }
        });
      });
    return untilRequestDeadline(queued, requestSignal, this.name, 'DescribeBackupJob');
  }

  /**
   * Lists one page of jobs. Requests asking for the same page while a call for it is under way
   * share that call, and within `listCacheTtlMs` its answer.
   */
  list(input: ListBackupJobsInput, requestSignal?: AbortSignal): Promise<ListPage> {
    // A shared call carries no one request's deadline; each caller stops waiting at its own.
    const shared = () => this.listCache.get(JSON.stringify(input), () => this.listNow(input));
    return untilRequestDeadline(shared, requestSignal, this.name, 'ListBackupJobs');
  }

  /** Every job matching the input, following NextToken with the SDK's paginator, under one deadline. */
  listAll(input: ListBackupJobsInput, requestSignal?: AbortSignal): Promise<BackupJob[]> {
    return this.call('ListBackupJobs', requestSignal, async (abortSignal) => {
      const jobs: BackupJob[] = [];
      // The paginator hands its trailing arguments to every send, so each page honours the deadline.
      for await (const page of paginateListBackupJobs({ client: this.client, pageSize: 1000 }, input, { abortSignal })) {
        jobs.push(...(page.BackupJobs ?? []));
      }
      return jobs;
    });
  }

  /** Whether the source answers right now (never from the list cache): the cheapest call its API has. */
  async ping(requestSignal?: AbortSignal): Promise<void> {
    await this.listNow({ MaxResults: 1, ...(this.accountId ? { ByAccountId: this.accountId } : {}) }, requestSignal);
  }

  /** The outcome of the latest call to this source, if any was made. */
  get health(): SourceHealth | undefined {
    return this.guard.health;
  }

  get circuit(): CircuitName {
    return this.guard.circuit;
  }

  destroy(): void {
    this.client.destroy();
  }

  private listNow(input: ListBackupJobsInput, requestSignal?: AbortSignal): Promise<ListPage> {
    return this.call('ListBackupJobs', requestSignal, async (abortSignal) => {
      const output = await this.client.send(new ListBackupJobsCommand(input), { abortSignal });
      return { jobs: output.BackupJobs ?? [], ...(output.NextToken ? { nextToken: output.NextToken } : {}) };
    });
  }

  private call<T>(operation: string, requestSignal: AbortSignal | undefined, send: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    return this.guard.run(
      operation,
      async (signal) => {
        try {
          return await send(signal);
        } catch (error) {
          throw classify(this.name, operation, error);
        }
      },
      requestSignal,
    );
  }
}

function classify(sourceName: string, operation: string, error: unknown): SourceError {
  const upstreamName = errorName(error);
  return new SourceError(codeFor(error, upstreamName), sourceName, operation, upstreamName);
}

function errorName(error: unknown): string {
  if (error instanceof Error) return error.name;
  return 'UnknownError';
}

const AUTH_ERRORS = new Set([
  'AccessDeniedException',
  'CredentialsProviderError',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'MissingAuthenticationTokenException',
  'UnrecognizedClientException',
]);
const THROTTLING_ERRORS = new Set(['ThrottlingException', 'TooManyRequestsException', 'LimitExceededException']);
const TIMEOUT_ERRORS = new Set(['TimeoutError', 'AbortError', 'RequestTimeout', 'RequestTimeoutException']);
const INPUT_ERRORS = new Set(['InvalidParameterValueException', 'MissingParameterValueException', 'ValidationException']);

/** Connection failures; the SDK names some of them TimeoutError (a socket hang-up), which they are not. */
const CONNECTION_ERRORS = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND']);

function codeFor(error: unknown, name: string): SourceError['code'] {
  if (CONNECTION_ERRORS.has(String((error as { code?: unknown } | null)?.code))) return ErrorCode.UPSTREAM_UNAVAILABLE;
  if (AUTH_ERRORS.has(name)) return ErrorCode.UPSTREAM_AUTH_FAILED;
  if (THROTTLING_ERRORS.has(name)) return ErrorCode.UPSTREAM_THROTTLED;
  if (TIMEOUT_ERRORS.has(name)) return ErrorCode.UPSTREAM_TIMEOUT;
  if (INPUT_ERRORS.has(name)) return ErrorCode.BAD_USER_INPUT;
  if (error instanceof BackupServiceException && error.$metadata.httpStatusCode === 403) {
    return ErrorCode.UPSTREAM_AUTH_FAILED;
  }
  if (error instanceof SyntaxError || name === 'SerializationException') return ErrorCode.UPSTREAM_BAD_RESPONSE;
  return ErrorCode.UPSTREAM_UNAVAILABLE;
}
