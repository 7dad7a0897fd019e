// One configured AWS Backup source: a BackupClient for its region and account, with the gateway's
// deadline, concurrency bound and error translation around the SDK calls.
import {
  BackupClient,
  BackupServiceException,
  DescribeBackupJobCommand,
  ListBackupJobsCommand,
  paginateListBackupJobs,
  ResourceNotFoundException,
  type BackupJob,
  type DescribeBackupJobOutput,
  type ListBackupJobsInput,
} from '@aws-sdk/client-backup';
import pLimit, { type LimitFunction } from 'p-limit';
import type { AwsSourceConfig } from '../config/index.js';
import { ErrorCode, type UpstreamErrorCode } from '../errors.js';

export type { BackupJob, DescribeBackupJobOutput, ListBackupJobsInput };

/** An AWS call that failed, already classified into the gateway's vocabulary. */
export class AwsSourceError extends Error {
  override name = 'AwsSourceError';
  constructor(
    readonly code: UpstreamErrorCode | typeof ErrorCode.BAD_USER_INPUT,
    readonly sourceName: string,
    readonly operation: string,
    /** The upstream's error name (e.g. ThrottlingException), for logs; never shown to clients. */
    readonly upstreamName: string,
  ) {
    super(`${operation} on AWS source "${sourceName}" failed: ${upstreamName}`);
  }
}

/** What the gateway last saw of a source: updated by every call it makes. */
export interface SourceHealth {
  reachable: boolean;
  checkedAt: Date;
  errorCode?: UpstreamErrorCode;
}

export interface ListPage {
  jobs: BackupJob[];
  nextToken?: string;
}

export class AwsBackupSource {
  readonly kind = 'aws' as const;
  readonly name: string;
  readonly region: string;
  readonly accountId: string | undefined;
  private readonly client: BackupClient;
  private readonly describeLimit: LimitFunction;
  private readonly timeoutMs: number;
  private lastHealth: SourceHealth | undefined;

  constructor(config: AwsSourceConfig) {
    this.name = config.name;
    this.region = config.region;
    this.accountId = config.accountId;
    this.timeoutMs = config.timeoutMs;
    this.describeLimit = pLimit(config.describeConcurrency);
    this.client = new BackupClient({
      region: config.region,
      ...(config.endpoint ? { endpoint: config.endpoint } : {}),
      ...(config.credentials ? { credentials: config.credentials } : {}),
      // The SDK's standard strategy retries throttling and 5xx with backoff and jitter.
      retryMode: 'standard',
      maxAttempts: 3,
      requestHandler: { connectionTimeout: Math.min(3_000, config.timeoutMs), requestTimeout: config.timeoutMs },
    });
  }

  /** Describes one job; resolves null when the job does not exist in this source. */
  describe(backupJobId: string): Promise<DescribeBackupJobOutput | null> {
    return this.describeLimit(async () => {
      try {
        const output = await this.client.send(new DescribeBackupJobCommand({ BackupJobId: backupJobId }), {
          abortSignal: AbortSignal.timeout(this.timeoutMs),
        });
        this.noteReachable();
        return output;
      } catch (error) {
        if (error instanceof ResourceNotFoundException) {
          this.noteReachable();
          return null;
        }
        throw this.classify('DescribeBackupJob', error);
      }
    });
  }

  /** Lists one page of jobs. */
  async list(input: ListBackupJobsInput): Promise<ListPage> {
    try {
      const output = await this.client.send(new ListBackupJobsCommand(input), {
        abortSignal: AbortSignal.timeout(this.timeoutMs),
      });
      this.noteReachable();
      return { jobs: output.BackupJobs ?? [], ...(output.NextToken ? { nextToken: output.NextToken } : {}) };
    } catch (error) {
      throw this.classify('ListBackupJobs', error);
    }
  }

  /** Every job matching the input, following NextToken with the SDK's paginator. */
  async listAll(input: ListBackupJobsInput): Promise<BackupJob[]> {
    const jobs: BackupJob[] = [];
    try {
      for await (const page of paginateListBackupJobs({ client: this.client, pageSize: 1000 }, input)) {
        jobs.push(...(page.BackupJobs ?? []));
      }
    } catch (error) {
      throw this.classify('ListBackupJobs', error);
    }
    this.noteReachable();
    return jobs;
  }

  /** Whether the source answers at all: the cheapest call its API has. */
  async ping(): Promise<void> {
    await this.list({ MaxResults: 1, ...(this.accountId ? { ByAccountId: this.accountId } : {}) });
  }

  /** The outcome of the latest call to this source, if any was made. */
  get health(): SourceHealth | undefined {
    return this.lastHealth;
  }

  destroy(): void {
    this.client.destroy();
  }

  private noteReachable(): void {
    this.lastHealth = { reachable: true, checkedAt: new Date() };
  }

  private classify(operation: string, error: unknown): AwsSourceError {
    const upstreamName = errorName(error);
    const code = codeFor(error, upstreamName);
    // A rejected filter value says nothing about the source's health.
    if (code !== ErrorCode.BAD_USER_INPUT) this.lastHealth = { reachable: false, checkedAt: new Date(), errorCode: code };
    return new AwsSourceError(code, this.name, operation, upstreamName);
  }
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

function codeFor(error: unknown, name: string): AwsSourceError['code'] {
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
