// Starts backup jobs in the AWS sandbox through the unmodified SDK, as an operator's tools would.
import { BackupClient, StartBackupJobCommand } from '@aws-sdk/client-backup';
import { SANDBOX_AWS_CREDENTIALS } from '../../src/sandbox/aws/index.js';

/** A job as StartBackupJob answered for it. */
export interface StartedJob {
  backupJobId: string;
  /** When AWS (here the sandbox, by its clock) created the job. */
  creationDate: Date;
}

/** Starts `count` on-demand jobs of DynamoDB tables in `region`, 50 at a time; returns their ids. */
export async function startJobs(endpoint: string, region: string, count: number, prefix = 't'): Promise<string[]> {
  return (await startJobsAnswered(endpoint, region, count, prefix)).map((job) => job.backupJobId);
}

/** As startJobs, with the creation date StartBackupJob answered for each job. */
export async function startJobsAnswered(endpoint: string, region: string, count: number, prefix = 't'): Promise<StartedJob[]> {
  const client = new BackupClient({ region, endpoint, credentials: SANDBOX_AWS_CREDENTIALS, maxAttempts: 1 });
  const jobs: StartedJob[] = [];
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
      jobs.push(...started.map((output) => ({ backupJobId: output.BackupJobId!, creationDate: output.CreationDate! })));
    }
  } finally {
    client.destroy();
  }
  return jobs;
}
