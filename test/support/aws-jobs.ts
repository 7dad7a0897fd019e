// Starts backup jobs in the AWS sandbox through the unmodified SDK, as an operator's tools would.
import { BackupClient, StartBackupJobCommand } from '@aws-sdk/client-backup';
import { SANDBOX_AWS_CREDENTIALS } from '../../src/sandbox/aws/index.js';

/** Starts `count` on-demand jobs of DynamoDB tables in `region`, 50 at a time; returns their ids. */
export async function startJobs(endpoint: string, region: string, count: number, prefix = 't'): Promise<string[]> {
  const client = new BackupClient({ region, endpoint, credentials: SANDBOX_AWS_CREDENTIALS, maxAttempts: 1 });
  const ids: string[] = [];
  try {
    for (let batch = 0; batch < count; batch += 50) {
      const started = await Promise.all(
        Array.from({ length: Math.min(50, count - batch) }, (_, index) =>
          client.send(
            new StartBackupJobCommand({
              BackupVaultName: 'Default',
              ResourceArn: `arn:aws:dynamodb:${region}:111122223333:table/${prefix}${batch + index}`,
              IamRoleArn: 'arn:aws:iam::111122223333:role/service-role/AWSBackupDefaultServiceRole',
            }),
          ),
        ),
      );
      ids.push(...started.map((output) => output.BackupJobId!));
    }
  } finally {
    client.destroy();
  }
  return ids;
}
