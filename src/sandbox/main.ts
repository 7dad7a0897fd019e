// `npm run sandbox`: runs the upstream sandbox alone, for the AWS CLI, the SDK or a gateway elsewhere.
import { SANDBOX_AWS_CREDENTIALS } from './aws/index.js';
import { startSandbox } from './index.js';
import { readPort } from '../config/index.js';

const awsPort = readPort({ PORT: process.env.SANDBOX_AWS_PORT }, 4566);
const sandbox = await startSandbox({ awsPort, host: process.env.SANDBOX_HOST ?? '127.0.0.1' });
const region = sandbox.aws.store.regions[0] ?? 'us-east-1';

console.log(`AWS Backup sandbox listening on ${sandbox.aws.url}
  accounts: ${sandbox.aws.store.accounts.join(', ')} (the first is the caller; pass accountId "*" to see all)
  regions:  ${sandbox.aws.store.regions.join(', ')}

Point the AWS CLI at it:
  export AWS_ACCESS_KEY_ID=${SANDBOX_AWS_CREDENTIALS.accessKeyId} AWS_SECRET_ACCESS_KEY=${SANDBOX_AWS_CREDENTIALS.secretAccessKey}
  aws backup list-backup-jobs --endpoint-url ${sandbox.aws.url} --region ${region} --by-account-id '*' --max-results 5

Or the SDK:
  new BackupClient({ endpoint: '${sandbox.aws.url}', region: '${region}', credentials: { accessKeyId: '${SANDBOX_AWS_CREDENTIALS.accessKeyId}', secretAccessKey: '${SANDBOX_AWS_CREDENTIALS.secretAccessKey}' } })

Or a gateway: a GATEWAY_CONFIG source { "kind": "aws", "name": "sandbox", "region": "${region}", "accountId": "*", "endpoint": "${sandbox.aws.url}" }
with the credentials above in the environment.`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void sandbox.close().then(() => process.exit(0));
  });
}
