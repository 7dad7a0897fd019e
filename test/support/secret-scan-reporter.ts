// The suite's reporter: vitest's default output, minus the upstream failure lines the fault tests
// provoke on purpose, plus one check over everything the code under test printed during the whole
// suite: no credential the suite handed out may appear in it.
import type { UserConsoleLog } from 'vitest';
import { DefaultReporter } from 'vitest/node';
import { SECRETS_NEVER_PRINTED } from './secrets.js';

export default class SecretScanReporter extends DefaultReporter {
  private printed = 0;
  private readonly leaks = new Map<string, number>();

  override onUserConsoleLog(log: UserConsoleLog, taskState?: Parameters<DefaultReporter['onUserConsoleLog']>[1]): void {
    this.printed++;
    for (const secret of SECRETS_NEVER_PRINTED) {
      if (log.content.includes(secret)) this.leaks.set(secret, (this.leaks.get(secret) ?? 0) + 1);
    }
    if (!/^\[(upstream|refused)\]/.test(log.content)) super.onUserConsoleLog(log, taskState);
  }

  override onTestRunEnd(...args: Parameters<DefaultReporter['onTestRunEnd']>): void {
    super.onTestRunEnd(...args);
    if (this.leaks.size === 0) {
      this.ctx.logger.log(`Secret scan: ${this.printed} console outputs of the suite read, none holds one of the ${SECRETS_NEVER_PRINTED.length} credentials it handed out.`);
      return;
    }
    for (const [secret, count] of this.leaks) {
      // Only a prefix: the report itself must not print the secret whole.
      this.ctx.logger.error(`Secret scan FAILED: a credential starting "${secret.slice(0, 4)}" was printed ${count} time(s).`);
    }
    process.exitCode = 1;
  }
}
