// One configured AWS Backup source as the read layer sees it: a BackupClient for its Region and
// account, every call run through the source's guard (deadline, concurrency, circuit breaker) and
// its upstream budget, and classified into the gateway's error vocabulary.
import { bulkhead, type BulkheadPolicy } from 'cockatiel';
import {
  BackupClient,
  BackupServiceException,
  DescribeBackupJobCommand,
  DescribeBackupVaultCommand,
  DescribeRecoveryPointCommand,
  GetBackupPlanCommand,
  ListBackupJobsCommand,
  ListBackupJobSummariesCommand,
  ResourceNotFoundException,
  StartBackupJobCommand,
  StopBackupJobCommand,
  type ListBackupJobsInput,
  type ListBackupJobSummariesInput,
} from '@aws-sdk/client-backup';
import { StandardRetryStrategy } from '@smithy/core/retry';
import { BudgetExhausted, upstreamBudget } from '../budget.js';
import { ActionRefused, type ActionRefusal } from '../model/actions.js';
import { ErrorCode, SourceError } from '../model/errors.js';
import { contextKey, valueOf, withValue } from '../observability/context.js';
import type { KindDimension } from '../model/summary.js';
import type { BeyondList, BeyondListTurn, SourceAdapter, TimeSlicedListing, UpstreamSummaries } from '../read-model/source-read-model.js';
import type { SharedState } from '../shared-state/index.js';
import { SourceGuard, type CircuitName, type SourceHealth } from '../source-guard.js';
import type { AwsSourceConfig } from './config.js';
import { awsJobKey, mapAwsBackupJob, withChildCounts, type AwsBackupJobModel, type AwsJobConditions } from './mapper.js';
import { awsRecordTtlMs, mapBackupPlan, mapBackupVault, mapRecoveryPoint, type AwsRecordModel, type AwsRecordRef } from './records.js';
import { clientOptions } from './sdk.js';
import { planSummary, type SummaryRow } from './summaries.js';

export type { SourceHealth };

// The AWS SDK warns on every start on Node 20 that its releases after early 2027 will need Node 22.
// The SDK version this project locks runs on Node 20, and docs/operations.md says what the notice
// means for an upgrade; a value the operator set (to see the notice, "false") is kept. The SDK
// reads the variable when the first client is built, which happens after this module has loaded.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/**
 * The SDK's standard retries (throttling, 5xx and dropped connections, with backoff and jitter),
 * except for LimitExceededException: the SDK retries it as a throttle in every service, but in the
 * Backup model it refuses what the request contains, which a retry sends again unchanged.
 */
class BackupRetryStrategy extends StandardRetryStrategy {
  override async refreshRetryTokenForRetry(...[token, errorInfo]: Parameters<StandardRetryStrategy['refreshRetryTokenForRetry']>) {
    if (errorInfo.error?.name === 'LimitExceededException') throw errorInfo.error;
    return super.refreshRetryTokenForRetry(token, errorInfo);
  }
}

/** What StartBackupJob takes: the job's vault, resource and role, its idempotency token, and optional windows and lifecycle. */
export interface StartJobInput {
  backupVaultName: string;
  resourceArn: string;
  iamRoleArn: string;
  idempotencyToken: string;
  startWindowMinutes?: number | null;
  completeWindowMinutes?: number | null;
  lifecycle?: { moveToColdStorageAfterDays?: number | null; deleteAfterDays?: number | null } | null;
}

/** The most ListBackupJobs returns in one call. */
const PAGE_SIZE = 1000;
/** The most ListBackupJobSummaries returns in one call, as its API reference states it. */
const SUMMARY_PAGE_SIZE = 500;

/** A Describe the identity may not make for that record: the guard sees a call that answered. */
const DENIED = Symbol('denied');

const HOUR_MS = 60 * 60 * 1000;
/** How far back ListBackupJobs lists jobs. */
const LIST_WINDOW_MS = 30 * 24 * HOUR_MS;
/** How long the account a source of its own account reads is shared for: a day, as the credentials' account does not change under a running gateway. */
const OWN_ACCOUNT_KEPT_MS = 24 * HOUR_MS;
/**
 * How long a source of its own account remembers, in the shared state, that AWS refused it
 * DescribeBackupJob of one job (another account's, most likely, which stays so): a client or router
 * that asks for that id again within it costs no call. Not the source's freshness, as a refusal
 * does not go stale the way a job does; a few minutes, so that an identity later given the right to
 * describe the job (the other reason AWS refuses) sees it answered within them.
 */
const REFUSED_JOB_KEPT_MS = 5 * 60 * 1000;

/** States after which AWS never changes a job again. */
const SETTLED_STATES: ReadonlySet<string> = new Set(['COMPLETED', 'FAILED', 'ABORTED', 'EXPIRED', 'PARTIAL']);

export class AwsBackupSource implements SourceAdapter<AwsBackupJobModel> {
  readonly kind = 'AWS_BACKUP' as const;
  readonly name: string;
  readonly region: string;
  readonly accountId: string | undefined;
  readonly freshness: AwsSourceConfig['freshness'];
  readonly timeoutMs: number;
  /**
   * ListBackupJobs reads by creation and completion time, so the read model refreshes a large
   * source by what changed and fills a first read in by time slices.
   */
  readonly byTime?: TimeSlicedListing<AwsBackupJobModel>;
  /**
   * Set only for a source that reads its own account's jobs, for which DescribeBackupJob's "not
   * found" means the job does not exist.
   */
  readonly lookupJob?: (key: string) => Promise<AwsBackupJobModel | null>;
  /**
   * Set for a source pinned to an account or reading the whole organization. DescribeBackupJob
   * takes no account, and nothing documents that it answers from a management account for a member
   * account's job: it may, refuse, or not know the id, so only a job it gives is an answer.
   */
  readonly lookupBeyondList?: (key: string, turn: BeyondListTurn) => Promise<BeyondList<AwsBackupJobModel>>;
  private readonly client: BackupClient;
  private readonly guard: SourceGuard;
  private readonly takeBudget: (signal?: AbortSignal) => Promise<void>;
  /** Describe calls fan out per job; they get a tighter bound of their own inside the guard's. */
  private readonly describeSlots: BulkheadPolicy;
  /** For a source of its own account: that account, as its listed jobs show it (this process's list, or another's through the shared state). */
  private ownAccount: string | undefined;
  /** When this process last shared ownAccount (see describeOwnJob); it shares it again before the shared copy expires. */
  private ownAccountSharedAt = Number.NEGATIVE_INFINITY;
  private readonly state: SharedState;

  constructor(config: AwsSourceConfig, state: SharedState) {
    this.name = config.name;
    this.state = state;
    this.region = config.region;
    this.accountId = config.accountId;
    this.freshness = config.freshness;
    this.timeoutMs = config.timeoutMs;
    this.byTime = this.timeSliced(config.retainedWindowHours * HOUR_MS);
    this.guard = new SourceGuard(config.name, config);
    this.takeBudget = upstreamBudget(state, config);
    this.describeSlots = bulkhead(config.describeConcurrency, Number.POSITIVE_INFINITY);
    this.client = new BackupClient({
      ...clientOptions(config),
      // The guard's deadline bounds the whole, retries included.
      retryStrategy: new BackupRetryStrategy(3),
    });
    // Inside the retry middleware, so that every attempt the SDK sends, retries included, takes a call from the budget.
    this.client.middlewareStack.add(
      (next) => async (args) => {
        await this.takeBudget(valueOf(CALL_SIGNAL));
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name: 'upstreamBudget' },
    );

    if (config.accountId === undefined) this.lookupJob = (key) => this.describeOwnJob(key);
    else this.lookupBeyondList = (key, turn) => this.describeAnyAccount(key, turn);
  }

  /**
   * The listings by time. ListBackupJobs' bounds are exclusive; a slice's upper bound is sent one
   * millisecond later, so that slices that meet leave no job out.
   */
  private timeSliced(retainMs: number): TimeSlicedListing<AwsBackupJobModel> {
    return {
      retainMs,
      windowMs: LIST_WINDOW_MS,
      listCreated: (after, before, maxPages) =>
        this.list(
          {
            ...(after !== null ? { ByCreatedAfter: new Date(after) } : {}),
            ...(before !== null ? { ByCreatedBefore: new Date(before + 1) } : {}),
          },
          maxPages,
        ),
      // Three listings at once, one round trip: jobs created since and jobs completed since, every
      // page, and one page of the running ones, whose progress moves and which may have started
      // since they were listed.
      listChanged: async ({ createdAfter, completedAfter }, progressFrom) => {
        const [created, completed, running] = await Promise.all([
          this.list({ ByCreatedAfter: new Date(createdAfter) }),
          this.list({ ByCompleteAfter: new Date(completedAfter) }),
          this.runningPage(progressFrom),
        ]);
        return { jobs: [...created.jobs, ...completed.jobs, ...running.jobs], progressNext: running.next ?? null };
      },
    };
  }

  /** Job summaries from AWS's own daily counts, where they can answer (src/aws/summaries.ts). */
  readonly summaries: UpstreamSummaries = {
    plan: (request) => planSummary(request, this, (input) => this.listSummaries(input)),
  };

  /** The values of a job that summaries group by, beside those every job has. */
  dimensionsOf(job: AwsBackupJobModel): Record<KindDimension, string | null> {
    return { ACCOUNT_ID: job.accountId, REGION: job.region, RESOURCE_TYPE: job.resourceType };
  }

  /** Every row of one ListBackupJobSummaries query, each page its own guarded call. */
  private async listSummaries(input: ListBackupJobSummariesInput): Promise<SummaryRow[]> {
    const rows: SummaryRow[] = [];
    let nextToken: string | undefined;
    do {
      const token = nextToken;
      const output = await this.call('ListBackupJobSummaries', undefined, (abortSignal) =>
        this.client.send(new ListBackupJobSummariesCommand({ ...input, MaxResults: SUMMARY_PAGE_SIZE, ...(token ? { NextToken: token } : {}) }), { abortSignal }),
      );
      for (const row of output.BackupJobSummaries ?? []) {
        rows.push({
          region: row.Region ?? null,
          accountId: row.AccountId ?? null,
          state: row.State ?? null,
          resourceType: row.ResourceType ?? null,
          messageCategory: row.MessageCategory ?? null,
          count: row.Count ?? 0,
          startTime: row.StartTime?.getTime() ?? 0,
        });
      }
      nextToken = output.NextToken;
    } while (nextToken);
    return rows;
  }

  /** Every job ListBackupJobs returns for this source (AWS keeps them for its list window), each page its own guarded call. */
  async listJobs(): Promise<AwsBackupJobModel[]> {
    return (await this.list({})).jobs;
  }

  /** Child-job counts of the composite jobs whose families changed (of every one after a full listing). */
  relate(jobs: AwsBackupJobModel[], changed: readonly AwsBackupJobModel[] | null): AwsBackupJobModel[] {
    return withChildCounts(jobs, changed);
  }

  /**
   * One page of the running jobs, from the NextToken the page before ended with (null: the first
   * page). AWS documents neither how long a NextToken lasts nor the order it walks in: a token it
   * refuses starts the walk again from the first page, at the cost of the refused call.
   */
  private async runningPage(from: string | null): Promise<{ jobs: AwsBackupJobModel[]; next: string | undefined }> {
    try {
      return await this.list({ ByState: 'RUNNING' }, 1, from ?? undefined);
    } catch (error) {
      if (from === null || !(error instanceof SourceError) || error.code !== ErrorCode.BAD_USER_INPUT) throw error;
      return this.list({ ByState: 'RUNNING' }, 1);
    }
  }

  /**
   * The jobs of one listing with `filter`, page after page from the first (or from `from`, a
   * NextToken of the same listing), at most `maxPages` of them; `next` continues it.
   */
  private async list(
    filter: ListBackupJobsInput,
    maxPages = Number.POSITIVE_INFINITY,
    from?: string,
  ): Promise<{ jobs: AwsBackupJobModel[]; complete: boolean; pages: number; next: string | undefined }> {
    const input: ListBackupJobsInput = { MaxResults: PAGE_SIZE, ...filter, ...(this.accountId ? { ByAccountId: this.accountId } : {}) };
    const jobs: AwsBackupJobModel[] = [];
    // Not the SDK's paginator: it sends every page under one call, and each page here needs its own deadline and budget.
    let nextToken = from;
    let pages = 0;
    do {
      const token = nextToken;
      // Mapped as soon as it arrives: the SDK's records of a page (several times the jobs they make)
      // are then garbage before the next page is asked for, not kept through its wait, which would
      // carry them out of the young generation into the old, a page after another.
      const page = await this.call('ListBackupJobs', undefined, async (abortSignal) => {
        const output = await this.client.send(new ListBackupJobsCommand({ ...input, ...(token ? { NextToken: token } : {}) }), { abortSignal });
        return { listed: (output.BackupJobs ?? []).map((record) => mapAwsBackupJob(record, this, false)), nextToken: output.NextToken };
      });
      for (const job of page.listed) jobs.push(job);
      nextToken = page.nextToken;
      pages++;
    } while (nextToken && pages < maxPages);
    const account = jobs[0]?.accountId;
    if (this.accountId === undefined && account && Date.now() - this.ownAccountSharedAt > OWN_ACCOUNT_KEPT_MS / 2) {
      this.ownAccount = account;
      this.ownAccountSharedAt = Date.now();
      // For the replicas and workers that read this source's list without listing it themselves.
      await this.state.write<string>(this.ownAccountKey, { value: account, fetchedAt: this.ownAccountSharedAt }, OWN_ACCOUNT_KEPT_MS);
    }
    return { jobs, complete: nextToken === undefined, pages, next: nextToken };
  }

  /** Whether this source's listing holds the job: a source pinned to an account lists that account's jobs only. */
  lists(job: AwsBackupJobModel): boolean {
    return this.accountId === undefined || this.accountId === '*' || this.accountId === job.accountId;
  }

  isSettled(job: AwsBackupJobModel): boolean {
    return job.state !== null && SETTLED_STATES.has(job.state);
  }

  /**
   * Every AWS source can meet the AWS conditions, except an account this source cannot hold: not
   * the one it is pinned to, or, for a source of its own account, not that account once known.
   */
  canMatch(filter: AwsJobConditions): boolean {
    const account = this.accountId ?? this.ownAccount;
    return filter.accountId == null || !account || account === '*' || account === filter.accountId;
  }

  matches(job: AwsBackupJobModel, filter: AwsJobConditions): boolean {
    return (
      (filter.resourceType == null || job.resourceType === filter.resourceType) &&
      (filter.backupVaultName == null || job.backupVaultName === filter.backupVaultName) &&
      (filter.accountId == null || job.accountId === filter.accountId)
    );
  }

  /** Whether the source answers right now: the cheapest call its API has, past the read model. */
  async ping(requestSignal?: AbortSignal): Promise<void> {
    await this.call('ListBackupJobs', requestSignal, (abortSignal) =>
      this.client.send(new ListBackupJobsCommand({ MaxResults: 1, ...(this.accountId ? { ByAccountId: this.accountId } : {}) }), { abortSignal }),
    );
  }

  /** The outcome of the latest call to this source, if any was made. */
  get health(): SourceHealth | undefined {
    return this.guard.health;
  }

  get circuit(): CircuitName {
    return this.guard.circuit;
  }

  onHealthChange(listener: () => void): () => void {
    return this.guard.onHealthChange(listener);
  }

  destroy(): void {
    this.client.destroy();
  }

  /**
   * Starts a backup job (StartBackupJob, with the caller's idempotency token, so that the same
   * request sent again starts nothing new), then reads it back whole with DescribeBackupJob.
   */
  async startJob(input: StartJobInput): Promise<AwsBackupJobModel> {
    const { lifecycle } = input;
    const started = await this.act('StartBackupJob', START_REFUSALS, (abortSignal) =>
      this.client.send(
        new StartBackupJobCommand({
          BackupVaultName: input.backupVaultName,
          ResourceArn: input.resourceArn,
          IamRoleArn: input.iamRoleArn,
          IdempotencyToken: input.idempotencyToken,
          ...(input.startWindowMinutes != null ? { StartWindowMinutes: input.startWindowMinutes } : {}),
          ...(input.completeWindowMinutes != null ? { CompleteWindowMinutes: input.completeWindowMinutes } : {}),
          ...(lifecycle
            ? {
                Lifecycle: {
                  ...(lifecycle.moveToColdStorageAfterDays != null ? { MoveToColdStorageAfterDays: lifecycle.moveToColdStorageAfterDays } : {}),
                  ...(lifecycle.deleteAfterDays != null ? { DeleteAfterDays: lifecycle.deleteAfterDays } : {}),
                },
              }
            : {}),
        }),
        { abortSignal },
      ),
    );
    const job = await this.describeJob(awsJobKey(this.name, started.BackupJobId ?? ''));
    if (!job) throw new SourceError(ErrorCode.UPSTREAM_BAD_RESPONSE, this.name, 'DescribeBackupJob', 'StartedJobNotFound');
    return job;
  }

  /**
   * Stops a job (StopBackupJob), then reads it back with DescribeBackupJob: ABORTING, or whatever
   * AWS made of it. A job AWS will not stop is refused with its state, read the same way.
   */
  async stopJob(backupJobId: string): Promise<AwsBackupJobModel> {
    const key = awsJobKey(this.name, backupJobId);
    try {
      await this.act('StopBackupJob', STOP_REFUSALS, (abortSignal) => this.client.send(new StopBackupJobCommand({ BackupJobId: backupJobId }), { abortSignal }));
    } catch (error) {
      if (!(error instanceof ActionRefused) || error.refusal.kind !== 'NOT_STOPPABLE') throw error;
      throw new ActionRefused({ kind: 'NOT_STOPPABLE', state: (await this.describeJob(key))?.state ?? null });
    }
    const job = await this.describeJob(key);
    if (!job) throw new ActionRefused({ kind: 'JOB_NOT_FOUND' });
    return job;
  }

  /**
   * One call of an action, through the guard and the budget. AWS's expected refusals (by error
   * name, per operation) come back as ActionRefused and count as answers, not as failures of the
   * source; a refusal of the gateway's identity fails the action alone, as it fails a Describe.
   */
  private async act<T>(operation: string, refusals: Readonly<Record<string, ActionRefusal>>, send: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    const outcome = await this.call(operation, undefined, async (abortSignal): Promise<{ done: T } | { refusal: ActionRefusal } | typeof DENIED> => {
      try {
        return { done: await send(abortSignal) };
      } catch (error) {
        const name = errorName(error);
        const refusal = refusals[name];
        if (refusal) return { refusal: refusal.kind === 'INVALID_INPUT' ? { kind: 'INVALID_INPUT', upstreamName: name } : refusal };
        if (name === 'AccessDeniedException') return DENIED;
        throw error;
      }
    });
    if (outcome === DENIED) throw this.denied(operation);
    if ('refusal' in outcome) throw new ActionRefused(outcome.refusal);
    return outcome.done;
  }

  /**
   * DescribeBackupJob for a source of its own account: the job when it is of that account. An AWS
   * that describes other accounts' jobs to this one (a management or delegated administrator
   * account) would otherwise hand out, through this source, jobs its list never holds. The account
   * is shared by every process of the gateway once one has listed a job; before that, it is unknown
   * and AWS's answer stands. A job AWS refused to describe fails again, without a call, for
   * REFUSED_JOB_KEPT_MS, in every process.
   */
  private async describeOwnJob(key: string): Promise<AwsBackupJobModel | null> {
    const refusedKey = `refused-job:${key}`;
    if (await this.state.read<true>(refusedKey)) throw this.denied('DescribeBackupJob');
    const job = await this.describeJob(key).catch(async (error: unknown) => {
      if (isDenied(error)) await this.state.write<true>(refusedKey, { value: true, fetchedAt: Date.now() }, REFUSED_JOB_KEPT_MS);
      throw error;
    });
    const account = (this.ownAccount ??= (await this.state.read<string>(this.ownAccountKey))?.value);
    return job && (account === undefined || job.accountId === account) ? job : null;
  }

  /** Where the account of a source of its own account is shared, as the first process to list one of its jobs learnt it. */
  private get ownAccountKey(): string {
    return `own-account:${this.name}`;
  }

  /** DescribeBackupJob of one job of this account, by its key; null when AWS does not know it. */
  private describeJob(key: string): Promise<AwsBackupJobModel | null> {
    return this.describeSlots.execute(() => this.describeJobNow(key));
  }

  /** The same, holding one of the Describe slots. */
  private async describeJobNow(key: string): Promise<AwsBackupJobModel | null> {
    const backupJobId = key.slice(this.name.length + 1);
    if (key !== awsJobKey(this.name, backupJobId)) return null;
    return this.describeNow('DescribeBackupJob', async (abortSignal) =>
      mapAwsBackupJob(await this.client.send(new DescribeBackupJobCommand({ BackupJobId: backupJobId }), { abortSignal }), this, true),
    );
  }

  /**
   * DescribeBackupJob of a job of any account, by its key: the job when it is this source's (of
   * its account, where it is pinned to one, and of its Region), null when AWS gave another's. A
   * refusal is told to the read model before the slot is given up, so that the lookups queued
   * behind it for a slot learn of it before they call.
   */
  private describeAnyAccount(key: string, turn: BeyondListTurn): Promise<BeyondList<AwsBackupJobModel>> {
    return this.describeSlots.execute(async (): Promise<BeyondList<AwsBackupJobModel>> => {
      if (!(await turn.stillAsk())) return 'refused';
      try {
        const job = await this.describeJobNow(key);
        if (job === null) return 'unknown';
        return this.lists(job) && (regionOfArn(job.backupVaultArn) ?? this.region) === this.region ? job : null;
      } catch (error) {
        if (!isDenied(error)) throw error;
        await turn.refused();
        return 'refused';
      }
    });
  }

  /** The recovery point, backup plan or vault a reference names (a job points at each); null when AWS does not know it. */
  readRecord(ref: AwsRecordRef): Promise<AwsRecordModel | null> {
    const origin = { sourceName: this.name, region: this.region };
    const account = ref.record !== 'plan' && ref.accountId ? { BackupVaultAccountId: ref.accountId } : {};
    switch (ref.record) {
      case 'recoveryPoint':
        return this.describe('DescribeRecoveryPoint', async (abortSignal) => {
          const input = { BackupVaultName: ref.backupVaultName, RecoveryPointArn: ref.recoveryPointArn, ...account };
          return mapRecoveryPoint(await this.client.send(new DescribeRecoveryPointCommand(input), { abortSignal }), origin, ref);
        });
      case 'plan':
        return this.describe('GetBackupPlan', async (abortSignal) => {
          const input = { BackupPlanId: ref.backupPlanId, ...(ref.versionId ? { VersionId: ref.versionId } : {}) };
          return mapBackupPlan(await this.client.send(new GetBackupPlanCommand(input), { abortSignal }), origin, ref);
        });
      case 'vault':
        return this.describe('DescribeBackupVault', async (abortSignal) => {
          const input = { BackupVaultName: ref.backupVaultName, ...account };
          return mapBackupVault(await this.client.send(new DescribeBackupVaultCommand(input), { abortSignal }), origin, ref);
        });
    }
  }

  /** How long a record read now may be served again (see awsRecordTtlMs). */
  recordTtlMs(record: AwsRecordModel | null): number {
    return awsRecordTtlMs(record, this.freshness.refreshAfterMs, Date.now());
  }

  /**
   * One call that reads one record by its id: null when AWS does not know it. A Describe first
   * waits for one of its own slots, then takes one of the source's, so a fan-out never holds the
   * source's slots idle while lists wait. As in the guard, the bulkhead gets no signal (cockatiel
   * 3.2 loses a slot per aborted queued call).
   */
  private describe<T>(operation: string, send: (abortSignal: AbortSignal) => Promise<T>): Promise<T | null> {
    return this.describeSlots.execute(() => this.describeNow(operation, send));
  }

  /** The same, holding one of the Describe slots. */
  private async describeNow<T>(operation: string, send: (abortSignal: AbortSignal) => Promise<T>): Promise<T | null> {
    const described = await this.call(operation, undefined, async (abortSignal): Promise<T | null | typeof DENIED> => {
      try {
        return await send(abortSignal);
      } catch (error) {
        if (error instanceof ResourceNotFoundException) return null;
        // A record this identity may not read (most likely another account's) is that record's
        // answer, not the source's health: it fails its own read and never opens the circuit.
        if (errorName(error) === 'AccessDeniedException') return DENIED;
        throw error;
      }
    });
    if (described === DENIED) throw this.denied(operation);
    return described;
  }

  /** AWS refused the gateway's identity this one call (a record it may not read, an action it may not take). */
  private denied(operation: string): SourceError {
    return new SourceError(ErrorCode.UPSTREAM_AUTH_FAILED, this.name, operation, 'AccessDeniedException', 403);
  }

  private call<T>(operation: string, requestSignal: AbortSignal | undefined, send: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    return this.guard.run(
      operation,
      async (signal) => {
        try {
          return await withValue(CALL_SIGNAL, signal, () => send(signal));
        } catch (error) {
          throw classify(this.name, operation, error);
        }
      },
      requestSignal,
    );
  }
}

/**
 * The deadline signal of the call under way, for the budget middleware that runs inside the SDK:
 * one key in the gateway's one context for every source, as an AsyncLocalStorage per source would
 * add work to every promise the process makes, once per source.
 */
const CALL_SIGNAL = contextKey<AbortSignal>('backup-graph AWS call signal');

const INVALID_INPUT: ActionRefusal = { kind: 'INVALID_INPUT', upstreamName: '' };

/** What StartBackupJob's refusals mean: all of them are about what the request holds (a vault that does not exist, too). */
const START_REFUSALS: Readonly<Record<string, ActionRefusal>> = {
  InvalidParameterValueException: INVALID_INPUT,
  MissingParameterValueException: INVALID_INPUT,
  InvalidRequestException: INVALID_INPUT,
  ResourceNotFoundException: INVALID_INPUT,
  LimitExceededException: INVALID_INPUT,
};

/** What StopBackupJob's refusals mean: AWS answers InvalidRequestException for a job it cannot stop. */
const STOP_REFUSALS: Readonly<Record<string, ActionRefusal>> = {
  ResourceNotFoundException: { kind: 'JOB_NOT_FOUND' },
  InvalidRequestException: { kind: 'NOT_STOPPABLE', state: null },
  InvalidParameterValueException: INVALID_INPUT,
  MissingParameterValueException: INVALID_INPUT,
};

function classify(sourceName: string, operation: string, error: unknown): SourceError {
  if (error instanceof BudgetExhausted) {
    return new SourceError(ErrorCode.UPSTREAM_THROTTLED, sourceName, operation, 'Budget', undefined, true);
  }
  const upstreamName = errorName(error);
  return new SourceError(codeFor(error, upstreamName), sourceName, operation, upstreamName);
}

/** Whether a read failed because AWS refused the identity that one call (see AwsBackupSource.denied). */
function isDenied(error: unknown): boolean {
  return error instanceof SourceError && error.upstreamName === 'AccessDeniedException';
}

/** The Region an ARN names (`arn:aws:backup:us-east-1:…` → us-east-1); an ARN that names none is taken as the Region it was asked in. */
function regionOfArn(arn: string | null): string | undefined {
  return arn?.split(':')[3] || undefined;
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
const THROTTLING_ERRORS = new Set(['ThrottlingException', 'TooManyRequestsException']);
const TIMEOUT_ERRORS = new Set(['TimeoutError', 'AbortError', 'RequestTimeout', 'RequestTimeoutException']);
/** LimitExceededException is, in the Backup model, a limit on what a request contains, not on its rate: no outage, no throttle. */
const INPUT_ERRORS = new Set(['InvalidParameterValueException', 'LimitExceededException', 'MissingParameterValueException', 'ValidationException']);

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
