// `npm run sandbox`: runs the upstream sandboxes alone, for the AWS CLI, the SDK, curl or a gateway elsewhere.
import { CROSS_ACCOUNT_DESCRIBE, LIST_ORDERS, SANDBOX_AWS_CREDENTIALS } from './aws/index.js';
import { sandboxOptionsFromEnv, startSandbox } from './index.js';

const startedAt = performance.now();
const sandbox = await startSandbox({ ...sandboxOptionsFromEnv(), host: process.env.SANDBOX_HOST ?? '127.0.0.1' });
const startSeconds = ((performance.now() - startedAt) / 1000).toFixed(1);
const rssMiB = Math.round(process.memoryUsage().rss / 2 ** 20);
const region = sandbox.aws.store.regions[0] ?? 'us-east-1';
const { accounts, regions } = sandbox.aws.store;
const { size } = sandbox.aws;
const tenant = sandbox.sailPoint.tenants[0]!;
const tenantUrl = sandbox.sailPoint.tenantUrl(tenant.name);

console.log(`AWS Backup sandbox on ${sandbox.aws.url}, started in ${startSeconds} s, RSS ${rssMiB} MiB
  jobs:     ${size ? `${size.jobs} per Region in the 30-day window, generated (SANDBOX_AWS_JOBS, SANDBOX_AWS_ACCOUNTS, SANDBOX_AWS_REGIONS)` : 'the seeded organization (SANDBOX_AWS_JOBS and the like generate a large one)'}
  accounts: ${accounts.length > 4 ? `${accounts.length}: ${accounts.slice(0, 3).join(', ')}, ...` : accounts.join(', ')} (the first is the caller; ask with --by-account-id '*' to see all)
  regions:  ${regions.length > 4 ? `${regions.length}: ${regions.slice(0, 3).join(', ')}, ...` : regions.join(', ')}; enabled (ListRegions, SANDBOX_AWS_ENABLED_REGIONS): ${sandbox.aws.enabledRegions.length}
  ListBackupJobs order: ${sandbox.aws.listOrder} (SANDBOX_AWS_LIST_ORDER: ${LIST_ORDERS.join(' | ')})
  DescribeBackupJob of another account's job: ${sandbox.aws.crossAccountDescribe} (SANDBOX_AWS_CROSS_ACCOUNT_DESCRIBE: ${CROSS_ACCOUNT_DESCRIBE.join(' | ')})

  export AWS_ACCESS_KEY_ID=${SANDBOX_AWS_CREDENTIALS.accessKeyId} AWS_SECRET_ACCESS_KEY=${SANDBOX_AWS_CREDENTIALS.secretAccessKey}
  aws backup list-backup-jobs --endpoint-url ${sandbox.aws.url} --region ${region} --by-account-id '*' --max-results 5
  (SDK: new BackupClient({ endpoint: '${sandbox.aws.url}', region: '${region}', credentials: {...the keys above} }))
  aws account list-regions --endpoint-url ${sandbox.aws.url} --region us-east-1 --region-opt-status-contains ENABLED ENABLED_BY_DEFAULT

SailPoint sandbox on ${sandbox.sailPoint.url}, one base URL per tenant:
${sandbox.sailPoint.tenants.map((t) => `  ${sandbox.sailPoint.tenantUrl(t.name)}  client id ${t.clientId}  secret ${t.clientSecret}`).join('\n')}

  TOKEN=$(curl -s -X POST ${tenantUrl}/oauth/token -d grant_type=client_credentials \\
    -d client_id=${tenant.clientId} -d client_secret=${tenant.clientSecret} | sed 's/.*"access_token":"\\([^"]*\\)".*/\\1/')
  curl -s -H "Authorization: Bearer $TOKEN" '${tenantUrl}/v2024/configuration-hub/backups?filters=status%20eq%20%22FAILED%22'

Make a source misbehave (kind: latency {ms} | hang | error {status} | throttle {retryAfterSeconds} | reset
| malformed | credentials | denied | none; optional "operation" and "times"), see the faults set, clear them:
  curl -s -X POST ${sandbox.aws.url}/__sandbox/faults -d '{"region":"${region}","operation":"ListBackupJobs","kind":"throttle"}'
  curl -s -X POST ${sandbox.sailPoint.url}/__sandbox/faults -d '{"tenant":"${tenant.name}","kind":"error","status":503,"times":2}'
  curl -s ${sandbox.sailPoint.url}/__sandbox/faults; curl -s -X DELETE ${sandbox.sailPoint.url}/__sandbox/faults
Calls received so far, by operation (DELETE resets): curl -s ${sandbox.aws.url}/__sandbox/calls
The AWS sandbox's clock, and moving it an hour forward:
  curl -s ${sandbox.aws.url}/__sandbox/clock; curl -s -X POST ${sandbox.aws.url}/__sandbox/clock -d '{"advanceMs":3600000}'`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void sandbox.close().then(() => process.exit(0));
  });
}
