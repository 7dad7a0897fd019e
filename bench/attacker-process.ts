// The noisy neighbour's attacker, in a process of its own: a client that floods the gateway must not
// slow down the victim's client by sharing its event loop and connection pool, as it would in the
// driver. It answers `attack` with its load loop's result once the attack's time is up or the
// driver has asked `stop` (when the victim has all its answers).
import { randomUUID } from 'node:crypto';
import { load, type LoadResult } from './clients.js';
import { announceReady, answerQuestions } from './ipc.js';
import { awsGlobalId } from './scenarios.js';

export interface Attack {
  url: string;
  apiKey: string;
  connections: number;
  durationS: number;
  /** The own-account AWS source, whose unknown ids each cost a DescribeBackupJob unless refused. */
  sourceName: string;
  /** Representations in each `_entities` request. */
  ids: number;
}

const SAILPOINT_PAGE = JSON.stringify({ query: '{ backupJobs(first: 5, filter: { sourceKinds: [SAILPOINT] }) { edges { node { id } } } }' });
const ENTITIES = 'query Entities($representations: [_Any!]!) { _entities(representations: $representations) { ... on AwsBackupJob { id state } } }';

/** `_entities` for ids the source never listed, new each time, so that no cache answers them. */
function unknownJobs(sourceName: string, ids: number): string {
  const representations = Array.from({ length: ids }, () => ({
    __typename: 'AwsBackupJob',
    id: awsGlobalId({ sourceName, backupJobId: randomUUID().toUpperCase() }),
  }));
  return JSON.stringify({ query: ENTITIES, variables: { representations } });
}

let stopping = new AbortController();

answerQuestions({
  attack: (about): Promise<LoadResult> => {
    const attack = about as Attack;
    stopping = new AbortController();
    return load({
      url: () => attack.url,
      connections: attack.connections,
      durationS: attack.durationS,
      headers: { 'x-api-key': attack.apiKey },
      // Turn by turn: a small SailPoint page, then unknown AWS ids.
      body: (_connection, turn) => (turn % 2 === 0 ? SAILPOINT_PAGE : unknownJobs(attack.sourceName, attack.ids)),
      stop: stopping.signal,
    });
  },
  stop: () => {
    stopping.abort();
    return true;
  },
});
announceReady(true);
