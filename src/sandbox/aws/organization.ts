// A large organization on demand: each job a pure function of (seed, Region, index) and the clock,
// with compact per-chunk columns for ListBackupJobs' filters and wire records built when asked for.
import { BACKUP_JOB_STATES, DailyTally, JobStore, type AwsSandboxStore, type CreationRange, type DailyCount, type ListedJob, type SandboxJob, type WireBackupJob } from './store.js';
import { categoryMatches, matches, type ListFilter, type ListPage, type PagedJobStore } from './list-filter.js';
import { compareListKeys, type ListKey, type ListOrder } from './list-order.js';
import { Rng, stringHash, unitHash } from './rng.js';
import {
  accountRegion,
  DAY,
  draftJob,
  HOUR,
  inventory,
  leafRecord,
  MINUTE,
  parentRecord,
  rollOutcome,
  setupOf,
  spacedTypeRules,
  SUCCESS,
  type AccountRegion,
  type Draft,
  type Outcome,
  type Resource,
  type Rule,
  type Workload,
} from './seed.js';

/** Real AWS Region names, in the order SANDBOX_AWS_REGIONS takes them: the seeded organization's two first. */
export const AWS_REGIONS = [
  'us-east-1', 'eu-west-1', 'us-east-2', 'us-west-1', 'us-west-2', 'ca-central-1', 'sa-east-1', 'eu-central-1', 'eu-west-2',
  'eu-west-3', 'eu-north-1', 'ap-south-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-southeast-1', 'ap-southeast-2',
] as const;

export const MAX_JOBS = 5_000_000;
export const MAX_ACCOUNTS = 200;
export const MAX_REGIONS = AWS_REGIONS.length;

/** ListBackupJobs lists the jobs created in this span up to the clock's now. */
export const LIST_WINDOW_MS = 30 * DAY;
/** Every generated job reaches its terminal state within this span of its creation. */
export const SETTLES_WITHIN_MS = DAY;

export interface OrganizationSize {
  /** Jobs per Region in the 30-day window. */
  jobs: number;
  accounts: number;
  regions: number;
  /** Another seed, another organization of the same size. */
  seed: string;
}

// The arrival process starts here, so a job's index, and with it everything about it, does not
// depend on the clock.
const EPOCH = Date.UTC(2020, 0, 1);
/** Jobs an hour of the day (UTC) gets, relative to the others: the nightly backup windows are busy. */
const HOURLY_WEIGHTS = [8, 10, 7, 9, 6, 8, 4, 3, 2, 2, 2, 2, 2, 3, 2, 2, 2, 2, 2, 2, 3, 3, 4, 6];
const HOURLY_SHARES = (() => {
  const total = HOURLY_WEIGHTS.reduce((a, b) => a + b, 0);
  const shares = [0];
  for (const weight of HOURLY_WEIGHTS) shares.push(shares.at(-1)! + weight / total);
  shares[24] = 1;
  return shares;
})();

/** Indices come in blocks; a block may open with a composite job, its children right after it. */
const BLOCK = 16;
const COMPOSITE_SHARE = 0.25;
/** The columns are computed a chunk of indices at a time; shuffled order permutes within a chunk. */
const CHUNK = 4096;
const PLAN_SHARE = 0.72;
const SPACED_TYPE_SHARE = 0.05;
/** How long a job stays CREATED before it is PENDING, and ABORTING before it is ABORTED. */
const CREATED_FOR = MINUTE;
const ABORTING_FOR = 10 * MINUTE;

const SALT = { arrival: 1, composite: 2, compositeAccount: 3, child: 4, id: 10, idTail: 20, rank: 30, permutation: 31 } as const;

/** The category column's code for a job without a message category: the first code, taken before any name. */
const NO_CATEGORY = 0;

/** The id of a job in the columns, which need none; a record gets its own from jobId. */
const UNNAMED = '';

/** Team names for the generated accounts' workloads, after the seeded organization's two. */
const TEAMS = ['billing', 'search', 'identity', 'checkout', 'analytics', 'catalog', 'messaging', 'ledger', 'inventory', 'shipping', 'fraud', 'reporting', 'media', 'mobile', 'partners', 'support', 'pricing', 'loyalty', 'audit', 'telemetry'];

const STATE_CODE = new Map<string, number>(BACKUP_JOB_STATES.map((state, code) => [state, code]));
const code = (state: string) => STATE_CODE.get(state)!;
const [CREATED, PENDING, RUNNING, ABORTING, ABORTED] = ['CREATED', 'PENDING', 'RUNNING', 'ABORTING', 'ABORTED'].map(code) as [number, number, number, number, number];
const IN_FLIGHT = new Set([CREATED, PENDING, RUNNING, ABORTING]);

/** The organization's accounts: the seeded two, then generated twelve-digit ids. */
export function organizationAccounts(count: number): string[] {
  const accounts = ['111122223333', '444455556666'].slice(0, count);
  const seen = new Set(accounts);
  for (let k = accounts.length; k < count; k++) {
    const rng = new Rng(`account/${k}`);
    let id: string;
    do id = String(rng.int(1, 9)) + Array.from({ length: 11 }, () => rng.int(0, 9)).join('');
    while (seen.has(id));
    seen.add(id);
    accounts.push(id);
  }
  return accounts;
}

function generatedWorkload(k: number): Workload {
  const team = TEAMS[k % TEAMS.length]!;
  const round = Math.floor(k / TEAMS.length);
  const name = round === 0 ? team : `${team}${round + 1}`;
  return { prefix: `acme-${name}`, db: `${name}-db`, aurora: `${name}-aurora`, table: `${name}-state`, stack: `${name}-service`, stackTables: [`${name}-items`, `${name}-events`] };
}

/** What one account has in one Region, with its resources numbered for the columns. */
interface Estate {
  account: number;
  env: AccountRegion;
  planRules: Rule[];
  spacedRules: Rule[];
  stackRule: Rule;
  stack: Resource;
  standalone: Resource[];
  resources: Resource[];
}

/** A job's whole life, fixed when it is created: its draft, its fate and when it settles. */
interface Sketch {
  draft: Draft;
  estate: Estate;
  /** The terminal state's code, and (for a leaf) the outcome that leads there. */
  fate: number;
  outcome?: Outcome;
  category: string | undefined;
  settlesAt: number;
}

/** A chunk's columns, one slot per index. */
interface Columns {
  created: Float64Array;
  started: Float64Array;
  settles: Float64Array;
  fate: Uint8Array;
  account: Uint8Array;
  type: Uint8Array;
  vault: Uint8Array;
  resource: Uint8Array;
  category: Uint8Array;
  /** 0: a job on its own; -k: a composite job of k children; j > 0: its j-th child. */
  family: Int8Array;
}

/** Names the columns hold as small numbers: resource types, vault names, message categories. */
class Codes {
  private readonly byName = new Map<string, number>();
  readonly names: string[] = [];

  of(name: string): number {
    let found = this.byName.get(name);
    if (found === undefined) {
      found = this.names.length;
      this.byName.set(name, found);
      this.names.push(name);
    }
    return found;
  }

  get(name: string): number | undefined {
    return this.byName.get(name);
  }
}

/** The state a job is in at `now`, from its timeline; records and filters both read it here. */
function stateAt(now: number, created: number, started: number, settles: number, fate: number, composite: boolean): number {
  if (now >= settles) return fate;
  if (composite) return RUNNING;
  if (fate === ABORTED && now >= Math.max(started, settles - ABORTING_FOR)) return ABORTING;
  if (now < created + CREATED_FOR) return CREATED;
  return now < started ? PENDING : RUNNING;
}

function settlesAt(draft: Draft, outcome: Outcome): number {
  switch (outcome.state) {
    case 'COMPLETED':
      return draft.endsAt;
    case 'FAILED':
    case 'ABORTED':
      return outcome.at;
    case 'EXPIRED':
      return draft.startBy;
  }
}

function categoryOf(outcome: Outcome): string | undefined {
  if (outcome.state === 'COMPLETED') return outcome.issue?.category ?? SUCCESS;
  return outcome.state === 'FAILED' ? outcome.issue.category : undefined;
}

/** A job filter compiled against the columns: an index range, and a test of one slot. */
interface CompiledFilter {
  lo: number;
  hi: number;
  test(columns: Columns, slot: number): boolean;
}

/** One Region of the large organization. */
class RegionJobs {
  private readonly key: number;
  private readonly estates: (Estate | undefined)[] = [];
  private readonly chunks = new Map<number, Columns>();
  private readonly perDay: number;

  constructor(
    private readonly org: Organization,
    readonly region: string,
  ) {
    this.key = stringHash(`${org.size.seed}/${region}`);
    this.perDay = org.size.jobs / (LIST_WINDOW_MS / DAY);
  }

  // ---- arrivals: index <-> creation time --------------------------------------------------------

  /** When the index-th arrival of the steady process falls, before composite children are pulled close to their parent. */
  private arrival(index: number): number {
    const x = (index + 0.1 + 0.8 * unitHash(this.key, index, SALT.arrival)) / this.perDay;
    const day = Math.floor(x);
    const share = x - day;
    let hour = 0;
    while (HOURLY_SHARES[hour + 1]! <= share) hour++;
    const within = (share - HOURLY_SHARES[hour]!) / (HOURLY_SHARES[hour + 1]! - HOURLY_SHARES[hour]!);
    return Math.floor(EPOCH + day * DAY + (hour + within) * HOUR);
  }

  /** The last index whose arrival is at or before t (-1 before the first). */
  private lastArrival(t: number): number {
    const since = t - EPOCH;
    if (since < 0) return -1;
    const day = Math.floor(since / DAY);
    const hours = (since - day * DAY) / HOUR;
    const hour = Math.min(23, Math.floor(hours));
    const share = HOURLY_SHARES[hour]! + (hours - hour) * (HOURLY_SHARES[hour + 1]! - HOURLY_SHARES[hour]!);
    let index = Math.floor((day + share) * this.perDay);
    while (index >= 0 && this.arrival(index) > t) index--;
    while (this.arrival(index + 1) <= t) index++;
    return index;
  }

  /** A job's creation time in ms: strictly increasing with its index. */
  created(index: number): number {
    const arrival = this.arrival(index);
    const slot = index % BLOCK;
    const children = this.childrenOf(Math.floor(index / BLOCK));
    if (slot === 0 || slot > children) return arrival;
    // A composite job starts its children within seconds, each after the one before.
    const parent = this.arrival(index - slot);
    return Math.min(arrival, parent + 2_000 + Math.floor((slot - 1 + unitHash(this.key, index, SALT.child)) * 10_000));
  }

  /** The last index created at or before t (-1 before the first). */
  lastCreated(t: number): number {
    let index = this.lastArrival(t);
    // A child can be created before its own arrival, never after, so only later indices can join.
    while (this.created(index + 1) <= t) index++;
    return index;
  }

  /** The indices ListBackupJobs lists at `now`. */
  window(now: number): { first: number; last: number } {
    return { first: Math.max(0, this.lastCreated(now - LIST_WINDOW_MS) + 1), last: this.lastCreated(now) };
  }

  // ---- who a job is ------------------------------------------------------------------------------

  /** The number of children of the block's composite job, or 0 when it opens with none. */
  private childrenOf(block: number): number {
    if (unitHash(this.key, block, SALT.composite) >= COMPOSITE_SHARE) return 0;
    return this.compositeEstate(block).stack.children!.length;
  }

  private compositeEstate(block: number): Estate {
    return this.estate(this.org.pickAccount(unitHash(this.key, block, SALT.compositeAccount)));
  }

  estate(account: number): Estate {
    let estate = this.estates[account];
    if (!estate) {
      const id = this.org.accounts[account]!;
      const env = accountRegion(id, this.region);
      const workload = account < 2 ? undefined : generatedWorkload(account);
      const { standalone, rules } = inventory(env, new Rng(`jobs/${id}/${this.region}`), workload);
      const spacedRules = spacedTypeRules(env, new Rng(`spaced-types/${id}/${this.region}`), workload ?? generatedWorkload(account));
      const stackRule = rules.at(-1)!;
      const stack = stackRule.resources[0]!;
      const resources = [...new Set([...standalone, ...rules.flatMap((r) => r.resources), ...stack.children!, ...spacedRules.flatMap((r) => r.resources)])];
      estate = { account, env, planRules: rules.slice(0, -1), spacedRules, stackRule, stack, standalone, resources };
      this.estates[account] = estate;
    }
    return estate;
  }

  /** A job's id: its index, enciphered, in the first twelve hex digits, so that an id leads back to its job. */
  jobId(index: number): string {
    let [left, right] = [Math.floor(index / 2 ** 24), index % 2 ** 24];
    for (let round = 0; round < 4; round++) [left, right] = [right, left ^ this.roundKey(right, round)];
    const head = (left * 2 ** 24 + right).toString(16).padStart(12, '0');
    const tail = [0, 1, 2].map((n) => Math.floor(unitHash(this.key, index, SALT.idTail + n) * 2 ** 24).toString(16).padStart(6, '0')).join('');
    const variant = (8 + Math.floor(unitHash(this.key, index, SALT.idTail + 3) * 4)).toString(16);
    return `${head.slice(0, 8)}-${head.slice(8)}-4${tail.slice(0, 3)}-${variant}${tail.slice(3, 6)}-${tail.slice(6)}`.toUpperCase();
  }

  /** The index of a job id this Region issued, whether or not the job exists yet. */
  indexOf(backupJobId: string): number | undefined {
    const match = /^([0-9A-F]{8})-([0-9A-F]{4})-/.exec(backupJobId);
    if (!match) return undefined;
    const value = parseInt(match[1]! + match[2]!, 16);
    let [left, right] = [Math.floor(value / 2 ** 24), value % 2 ** 24];
    for (let round = 3; round >= 0; round--) [left, right] = [right ^ this.roundKey(left, round), left];
    const index = left * 2 ** 24 + right;
    return this.jobId(index) === backupJobId ? index : undefined;
  }

  private roundKey(half: number, round: number): number {
    return Math.floor(unitHash(this.key, half, SALT.id + round) * 2 ** 24);
  }

  // ---- sketches: a job's life ---------------------------------------------------------------------

  /** The sketches of an index's family: itself alone, or a composite job and its children. */
  private family(index: number): { sketches: Sketch[]; first: number } {
    const block = Math.floor(index / BLOCK);
    const slot = index % BLOCK;
    const children = this.childrenOf(block);
    if (children === 0 || slot > children) return { sketches: [this.single(index)], first: index };
    return { sketches: this.composite(block, children), first: block * BLOCK };
  }

  private single(index: number): Sketch {
    const rng = new Rng(`${this.org.size.seed}/${this.region}/${index}`);
    const estate = this.estate(this.org.pickAccount(rng.next()));
    const { env } = estate;
    const created = this.created(index);
    let draft: Draft;
    if (rng.chance(PLAN_SHARE)) {
      const rule = rng.pick(rng.chance(SPACED_TYPE_SHARE) ? estate.spacedRules : estate.planRules);
      draft = draftJob(rng, env, rng.pick(rule.resources), created - rng.int(0, 240_999), created, setupOf(rule), UNNAMED);
    } else {
      const days = rng.pick([0, 7, 14, 30]);
      const lifecycle = days > 0 ? { lifecycle: { DeleteAfterDays: days } } : {};
      const setup = { vault: 'Default' as const, startWindowMinutes: 480, completionWindowMinutes: 10080, ...lifecycle };
      draft = draftJob(rng, env, rng.pick(estate.standalone), created, created, setup, UNNAMED);
    }
    const outcome = rollOutcome(rng, draft, Infinity);
    // A job that expires never starts: it waits, PENDING, until its start window closes.
    if (outcome.state === 'EXPIRED') draft.startedAt = draft.startBy;
    return { draft, estate, fate: code(outcome.state), outcome, category: categoryOf(outcome), settlesAt: settlesAt(draft, outcome) };
  }

  private composite(block: number, count: number): Sketch[] {
    const rng = new Rng(`${this.org.size.seed}/${this.region}/composite/${block}`);
    const estate = this.compositeEstate(block);
    const { env, stackRule, stack } = estate;
    const first = block * BLOCK;
    const created = this.created(first);
    const initiated = created - rng.int(0, 240_999);
    const setup = setupOf(stackRule);
    const parent = draftJob(rng, env, stack, initiated, created, setup, UNNAMED);
    const children = stack.children!.slice(0, count).map((resource, j) => {
      const child = draftJob(rng, env, resource, initiated, this.created(first + 1 + j), setup, UNNAMED);
      child.parent = parent;
      return child;
    });
    parent.children = children;
    parent.startedAt = Math.min(...children.map((c) => c.startedAt));
    parent.endsAt = Math.max(...children.map((c) => c.endsAt)) + rng.int(5_000, 90_000);
    const sketches = children.map((draft): Sketch => {
      const outcome = rollOutcome(rng, draft, Infinity);
      return { draft, estate, fate: code(outcome.state), outcome, category: categoryOf(outcome), settlesAt: settlesAt(draft, outcome) };
    });
    const completed = sketches.filter((s) => s.outcome!.state === 'COMPLETED').length;
    const fate = completed === count ? 'COMPLETED' : completed > 0 ? 'PARTIAL' : 'FAILED';
    const wrapUp = parent.endsAt - Math.max(...children.map((c) => c.endsAt));
    return [
      {
        draft: parent,
        estate,
        fate: code(fate),
        category: fate === 'COMPLETED' ? SUCCESS : sketches.find((s) => s.outcome!.state !== 'COMPLETED' && s.category !== undefined)?.category,
        settlesAt: Math.max(...sketches.map((s) => s.settlesAt)) + wrapUp,
      },
      ...sketches,
    ];
  }

  // ---- records -------------------------------------------------------------------------------------

  /** The job at `index` as DescribeBackupJob answers at `now`. */
  record(index: number, now: number): WireBackupJob {
    const { sketches, first } = this.family(index);
    sketches.forEach((sketch, member) => (sketch.draft.id = this.jobId(first + member)));
    const leaf = (sketch: Sketch, at: number) => {
      const { draft } = sketch;
      const state = BACKUP_JOB_STATES[stateAt(now, draft.createdAt, draft.startedAt, sketch.settlesAt, sketch.fate, false)]!;
      if (now >= sketch.settlesAt) draft.outcome = sketch.outcome!;
      else draft.forced = state as NonNullable<Draft['forced']>;
      return leafRecord(this.recordRng(at), draft, sketch.estate.env, now);
    };
    if (sketches.length === 1) return leaf(sketches[0]!, index);
    const [parent, ...children] = sketches as [Sketch, ...Sketch[]];
    const childRecords = children.map((child, j) => leaf(child, first + 1 + j));
    if (index !== first) return childRecords[index - first - 1]!;
    return parentRecord(this.recordRng(first), parent.draft, childRecords, parent.estate.env, now);
  }

  // A stream of its own per job, so that what a record draws never depends on its siblings' states.
  private recordRng(index: number): Rng {
    return new Rng(`${this.org.size.seed}/${this.region}/${index}/record`);
  }

  // ---- columns -------------------------------------------------------------------------------------

  columns(chunk: number): Columns {
    let columns = this.chunks.get(chunk);
    if (columns) return columns;
    columns = {
      created: new Float64Array(CHUNK),
      started: new Float64Array(CHUNK),
      settles: new Float64Array(CHUNK),
      fate: new Uint8Array(CHUNK),
      account: new Uint8Array(CHUNK),
      type: new Uint8Array(CHUNK),
      vault: new Uint8Array(CHUNK),
      resource: new Uint8Array(CHUNK),
      category: new Uint8Array(CHUNK),
      family: new Int8Array(CHUNK),
    };
    const base = chunk * CHUNK;
    for (let slot = 0; slot < CHUNK; ) {
      const { sketches } = this.family(base + slot);
      sketches.forEach((sketch, member) => {
        const { draft, estate } = sketch;
        const at = slot + member;
        columns.created[at] = draft.createdAt;
        columns.started[at] = draft.startedAt;
        columns.settles[at] = sketch.settlesAt;
        columns.fate[at] = sketch.fate;
        columns.account[at] = estate.account;
        columns.type[at] = this.org.types.of(draft.resource.type);
        columns.vault[at] = this.org.vaults.of(draft.vault.name);
        columns.resource[at] = estate.resources.indexOf(draft.resource);
        columns.category[at] = sketch.category === undefined ? NO_CATEGORY : this.org.categories.of(sketch.category);
        columns.family[at] = sketches.length === 1 ? 0 : member === 0 ? -(sketches.length - 1) : member;
      });
      slot += sketches.length;
    }
    this.chunks.set(chunk, columns);
    return columns;
  }

  /** Computes the columns of the window now, and forgets those that aged out of it. */
  warm(now: number): void {
    const { first, last } = this.window(now);
    const oldest = Math.floor(first / CHUNK);
    for (const chunk of this.chunks.keys()) if (chunk < oldest) this.chunks.delete(chunk);
    for (let chunk = oldest; chunk <= Math.floor(last / CHUNK); chunk++) this.columns(chunk);
  }

  /**
   * The window's jobs created at or after `since`, counted per UTC day of creation, account, state
   * at `now`, resource type and message category: one pass over the columns, no record built.
   */
  countDaily(since: number, now: number): DailyCount[] {
    const { first, last } = this.window(now);
    const sinceDay = Math.floor(since / DAY);
    // Slots that share a day, account, type, state and category share one numeric key.
    const counts = new Map<number, number>();
    for (let index = Math.max(first, this.lastCreated(since - 1) + 1); index <= last; ) {
      const chunk = Math.floor(index / CHUNK);
      const columns = this.columns(chunk);
      const stop = Math.min(last, chunk * CHUNK + CHUNK - 1);
      for (; index <= stop; index++) {
        const slot = index - chunk * CHUNK;
        const created = columns.created[slot]!;
        const settles = columns.settles[slot]!;
        const state = stateAt(now, created, columns.started[slot]!, settles, columns.fate[slot]!, columns.family[slot]! < 0);
        const category = now >= settles ? columns.category[slot]! : NO_CATEGORY;
        const key = (((Math.floor(created / DAY) - sinceDay) * 256 + columns.account[slot]!) * 256 + columns.type[slot]!) * 16 * 256 + state * 256 + category;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
    const { org } = this;
    const rows: DailyCount[] = [];
    for (const [key, count] of counts) {
      const category = key % 256;
      const state = Math.floor(key / 256) % 16;
      const type = Math.floor(key / (16 * 256)) % 256;
      const account = Math.floor(key / (256 * 16 * 256)) % 256;
      const day = sinceDay + Math.floor(key / (256 * 256 * 16 * 256));
      const categoryName = category === NO_CATEGORY ? undefined : org.categories.names[category];
      rows.push({ day: day * DAY, account: org.accounts[account]!, state: BACKUP_JOB_STATES[state]!, resourceType: org.types.names[type]!, category: categoryName, count });
    }
    return rows;
  }

  // ---- listing ---------------------------------------------------------------------------------------

  compile(filter: ListFilter, now: number): CompiledFilter | undefined {
    const { org } = this;
    let { first: lo, last: hi } = this.window(now);
    const raise = (index: number) => (lo = Math.max(lo, index));
    const lower = (index: number) => (hi = Math.min(hi, index));
    if (filter.createdAfter !== undefined) raise(this.lastCreated(filter.createdAfter) + 1);
    if (filter.createdBefore !== undefined) lower(this.lastCreated(filter.createdBefore - 1));
    if (filter.completeBefore !== undefined) lower(this.lastCreated(filter.completeBefore - 1));
    if (filter.completeAfter !== undefined) raise(this.lastCreated(filter.completeAfter - SETTLES_WITHIN_MS) + 1);
    const state = filter.state === undefined ? undefined : code(filter.state);
    if (state !== undefined && IN_FLIGHT.has(state)) raise(this.lastCreated(now - SETTLES_WITHIN_MS) + 1);
    let parentSlot = false;
    if (filter.parentJobId !== undefined) {
      const parent = this.indexOf(filter.parentJobId);
      if (parent === undefined || parent % BLOCK !== 0) return undefined;
      raise(parent + 1);
      lower(parent + this.childrenOf(parent / BLOCK));
      parentSlot = true;
    }
    if (lo > hi) return undefined;

    const account = filter.account === undefined ? undefined : org.accountIndex.get(filter.account);
    const type = filter.resourceType === undefined ? undefined : org.types.get(filter.resourceType);
    const vault = filter.backupVaultName === undefined ? undefined : org.vaults.get(filter.backupVaultName);
    if ((filter.account !== undefined && account === undefined) || (filter.resourceType !== undefined && type === undefined) || (filter.backupVaultName !== undefined && vault === undefined)) {
      return undefined;
    }
    const categories = filter.messageCategory === undefined ? undefined : new Set(org.categories.names.flatMap((name, c) => (categoryMatches(name, filter.messageCategory!) ? [c] : [])));
    const resources = filter.resourceArn === undefined ? undefined : this.resourcesWithArn(filter.resourceArn);
    const { completeAfter, completeBefore } = filter;
    return {
      lo,
      hi,
      test: (columns, slot) => {
        if (account !== undefined && columns.account[slot] !== account) return false;
        if (type !== undefined && columns.type[slot] !== type) return false;
        if (vault !== undefined && columns.vault[slot] !== vault) return false;
        if (parentSlot && columns.family[slot]! <= 0) return false;
        if (resources && !resources.has(columns.account[slot]! * 256 + columns.resource[slot]!)) return false;
        const settles = columns.settles[slot]!;
        const settled = now >= settles;
        if (completeAfter !== undefined && !(settled && settles > completeAfter)) return false;
        if (completeBefore !== undefined && !(settled && settles < completeBefore)) return false;
        if (categories && !(settled && columns.category[slot]! !== NO_CATEGORY && categories.has(columns.category[slot]!))) return false;
        if (state === undefined) return true;
        return state === stateAt(now, columns.created[slot]!, columns.started[slot]!, settles, columns.fate[slot]!, columns.family[slot]! < 0);
      },
    };
  }

  private resourcesWithArn(arn: string): Set<number> {
    const found = new Set<number>();
    this.org.accounts.forEach((_, account) => {
      const resource = this.estate(account).resources.findIndex((r) => r.arn === arn);
      if (resource >= 0) found.add(account * 256 + resource);
    });
    return found;
  }

  /** The matching indices after `after`, in list order, each with its key. */
  *listed(order: ListOrder, compiled: CompiledFilter, after: ListKey | undefined): Generator<{ index: number; key: ListKey }> {
    const { lo, hi, test } = compiled;
    if (order === 'newest-first') {
      let start = hi;
      if (after) {
        const [negated, id] = after as [number, string];
        let index = this.lastCreated(-negated);
        if (index >= 0 && this.created(index) === -negated && this.jobId(index) <= id) index--;
        start = Math.min(hi, index);
      }
      for (let index = start; index >= lo; ) {
        const chunk = Math.floor(index / CHUNK);
        const columns = this.columns(chunk);
        const stop = Math.max(lo, chunk * CHUNK);
        for (; index >= stop; index--) {
          const slot = index - chunk * CHUNK;
          if (test(columns, slot)) yield { index, key: [-columns.created[slot]!, this.jobId(index)] };
        }
      }
      return;
    }
    // Shuffled: chunks in an order of their own, indices in a permutation of the chunk; before every
    // job StartBackupJob created, whose keys begin with an account id.
    if (after && after[0] !== '') return;
    const ranked = [];
    for (let chunk = Math.floor(lo / CHUNK); chunk <= Math.floor(hi / CHUNK); chunk++) ranked.push({ chunk, rank: unitHash(this.key, chunk, SALT.rank) });
    ranked.sort((a, b) => a.rank - b.rank || a.chunk - b.chunk);
    for (const { chunk, rank } of ranked) {
      let from = 0;
      if (after) {
        const position = compareListKeys(['', rank, chunk], after.slice(0, 3));
        if (position < 0) continue;
        if (position === 0) from = (after[3] as number) + 1;
      }
      const columns = this.columns(chunk);
      const permute = this.permutation(chunk);
      for (let step = from; step < CHUNK; step++) {
        const slot = permute(step);
        const index = chunk * CHUNK + slot;
        if (index >= lo && index <= hi && test(columns, slot)) yield { index, key: ['', rank, chunk, step] };
      }
    }
  }

  /** A bijection of the chunk's slots: multiply-add and xorshift steps, each invertible modulo 2^12. */
  private permutation(chunk: number): (step: number) => number {
    const a = (Math.floor(unitHash(this.key, chunk, SALT.permutation) * CHUNK) | 1) & (CHUNK - 1);
    const b = Math.floor(unitHash(this.key, chunk, SALT.permutation + 1) * CHUNK);
    const c = (Math.floor(unitHash(this.key, chunk, SALT.permutation + 2) * CHUNK) | 1) & (CHUNK - 1);
    return (step) => {
      let x = (step * a + b) & (CHUNK - 1);
      x ^= x >>> 5;
      x = (x * c + 1) & (CHUNK - 1);
      return x ^ (x >>> 7);
    };
  }
}

/**
 * The large organization's store: ListBackupJobs over the generated jobs plus those StartBackupJob
 * created, both in list order, at the clock's now.
 */
export class Organization implements AwsSandboxStore, PagedJobStore {
  readonly accounts: readonly string[];
  readonly regions: readonly string[];
  readonly accountIndex: ReadonlyMap<string, number>;
  readonly types = new Codes();
  readonly vaults = new Codes();
  readonly categories = new Codes();
  private readonly byRegion: ReadonlyMap<string, RegionJobs>;
  private readonly accountShares: number[];
  // Jobs StartBackupJob created: few, so held as the seeded organization holds its own.
  private readonly started: JobStore;

  constructor(
    readonly size: OrganizationSize,
    private readonly order: ListOrder,
    private readonly clock: () => number,
  ) {
    this.accounts = organizationAccounts(size.accounts);
    this.regions = AWS_REGIONS.slice(0, size.regions);
    this.accountIndex = new Map(this.accounts.map((account, index) => [account, index]));
    // Accounts of very different sizes, as in a real organization: the k-th holds 1/(k+1)^0.8 of the weight.
    const weights = this.accounts.map((_, k) => 1 / (k + 1) ** 0.8);
    const total = weights.reduce((a, b) => a + b, 0);
    let sum = 0;
    this.accountShares = weights.map((w) => (sum += w / total));
    this.byRegion = new Map(this.regions.map((region) => [region, new RegionJobs(this, region)]));
    this.started = new JobStore([], order);
    // No name may take NO_CATEGORY's code.
    this.categories.of('');
    // The start pays for the window's columns rather than the first listing.
    const now = clock();
    for (const jobs of this.byRegion.values()) jobs.warm(now);
  }

  /** The management account: AWS answers every sandbox request as if it came from it. */
  get caller(): string {
    return this.accounts[0]!;
  }

  /** The account a uniform draw in [0, 1) falls on. */
  pickAccount(draw: number): number {
    let low = 0;
    let high = this.accountShares.length - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.accountShares[middle]! <= draw) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  page(region: string, filter: ListFilter, after: ListKey | undefined, size: number): ListPage {
    const now = this.clock();
    const started = this.startedListed(region, now).filter(({ job, key }) => (!after || compareListKeys(key, after) > 0) && matches(job.record, filter));
    const jobs = this.byRegion.get(region);
    // Columns first: a chunk new to the window can bring a name the filter is compiled against.
    jobs?.warm(now);
    const compiled = jobs?.compile(filter, now);
    const generated = jobs && compiled ? jobs.listed(this.order, compiled, after) : undefined;
    // Merges the generated jobs with the started ones by list key.
    const records: WireBackupJob[] = [];
    let last: ListKey | undefined;
    let next = generated?.next();
    let s = 0;
    for (;;) {
      const fromGenerated = next !== undefined && !next.done && (s === started.length || compareListKeys(next.value.key, started[s]!.key) < 0);
      if (!fromGenerated && s === started.length) return { records };
      if (records.length === size) return { records, next: last! };
      if (fromGenerated) {
        records.push(jobs!.record(next!.value!.index, now));
        last = next!.value!.key;
        next = generated!.next();
      } else {
        records.push(started[s]!.job.record);
        last = started[s++]!.key;
      }
    }
  }

  job(region: string, backupJobId: string): SandboxJob | undefined {
    const started = this.started.job(region, backupJobId);
    if (started) return started;
    const jobs = this.byRegion.get(region);
    const index = jobs?.indexOf(backupJobId);
    const now = this.clock();
    if (!jobs || index === undefined || index > jobs.lastCreated(now)) return undefined;
    return { region, record: jobs.record(index, now) };
  }

  add(job: SandboxJob): void {
    this.started.add(job);
  }

  /** The plan rules of an account in a Region: those its generated jobs were drafted with. */
  rules(account: string, region: string): readonly Rule[] {
    const index = this.accountIndex.get(account);
    const jobs = this.byRegion.get(region);
    if (index === undefined || !jobs) return [];
    const { planRules, stackRule, spacedRules } = jobs.estate(index);
    return [...planRules, stackRule, ...spacedRules];
  }

  /** Every job listed now, Region by Region, in list order: a million records take tens of seconds. */
  jobs(region?: string): readonly SandboxJob[] {
    return (region === undefined ? this.regions : [region]).flatMap((r) =>
      this.page(r, { account: undefined }, undefined, Infinity).records.map((record) => ({ region: r, record })),
    );
  }

  *created(region: string, range: CreationRange = {}): Generator<SandboxJob> {
    const now = this.clock();
    const startedJobs = this.startedIn(region, range);
    const jobs = this.byRegion.get(region);
    const { lo, hi } = jobs ? this.indexRange(jobs, range, now) : { lo: 0, hi: -1 };
    let s = 0;
    for (let index = lo; index <= hi; index++) {
      const createdAt = jobs!.created(index);
      while (s < startedJobs.length && Math.round(startedJobs[s]!.record.CreationDate * 1000) < createdAt) yield startedJobs[s++]!;
      yield { region, record: jobs!.record(index, now) };
    }
    yield* startedJobs.slice(s);
  }

  countCreated(region: string, range: CreationRange = {}): number {
    const jobs = this.byRegion.get(region);
    const { lo, hi } = jobs ? this.indexRange(jobs, range, this.clock()) : { lo: 0, hi: -1 };
    return Math.max(0, hi - lo + 1) + this.startedIn(region, range).length;
  }

  countDaily(region: string, since: number): DailyCount[] {
    const now = this.clock();
    const started = new DailyTally().addRecords(this.startedIn(region, { after: since - 1 })).rows();
    const jobs = this.byRegion.get(region);
    if (!jobs) return started;
    // Columns first: a chunk new to the window can bring a name the counts are keyed by.
    jobs.warm(now);
    return [...jobs.countDaily(since, now), ...started];
  }

  private indexRange(jobs: RegionJobs, range: CreationRange, now: number): { lo: number; hi: number } {
    const { first, last } = jobs.window(now);
    return {
      lo: Math.max(first, range.after === undefined ? 0 : jobs.lastCreated(range.after) + 1),
      hi: Math.min(last, range.before === undefined ? last : jobs.lastCreated(range.before - 1)),
    };
  }

  private startedIn(region: string, range: CreationRange): SandboxJob[] {
    const windowStart = this.clock() - LIST_WINDOW_MS;
    return this.started.created(region, { ...range, after: Math.max(range.after ?? windowStart, windowStart) });
  }

  /** The started jobs ListBackupJobs lists now, in list order. */
  private startedListed(region: string, now: number): readonly ListedJob[] {
    return this.started.regionJobs(region).filter(({ job }) => job.record.CreationDate * 1000 > now - LIST_WINDOW_MS);
  }
}
