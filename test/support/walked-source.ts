// A large AWS organization's Region as the read-model tests drive it directly: the sandbox's source
// of that Region, kept for `retainedHours`, refreshed whenever the gateway's clock moves, and
// reconciled every `reconcileAfterMs`; and the wait for its first read to fill in its window.
import { expect } from 'vitest';
import type { AwsBackupJobModel } from '../../src/aws/mapper.js';
import type { SourceConfig } from '../../src/config/index.js';
import type { SourceReadModel } from '../../src/read-model/source-read-model.js';
import type { Sandbox } from '../../src/sandbox/index.js';
import type { SourceRegistry } from '../../src/source-registry.js';

export function walkedSources(
  sandbox: Sandbox,
  sourceName: string,
  options: { retainedHours: number; staleIfErrorMs: number; reconcileAfterMs: number },
): SourceConfig[] {
  return sandbox.config.sources
    .filter((source) => source.kind === 'aws' && source.name === sourceName)
    .map((source) => ({
      ...source,
      retainedWindowHours: options.retainedHours,
      budget: { calls: 1_000_000, perSeconds: 1 },
      freshness: { refreshAfterMs: 0, maxStalenessMs: 0, staleIfErrorMs: options.staleIfErrorMs, reconcileAfterMs: options.reconcileAfterMs },
    }));
}

/** Waits, `stepMs` at a time and at most `timeoutMs`, until the model's first read has filled in its whole window. */
export async function untilFilled(model: SourceReadModel<AwsBackupJobModel>, timeoutMs: number, stepMs: number): Promise<void> {
  for (let waited = 0; (await model.current())?.completeAfter !== null; waited += stepMs) {
    expect(waited).toBeLessThan(timeoutMs);
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}

/** Stops what a test of a walked source started. */
export async function stopWalked(parts: { model?: SourceReadModel<AwsBackupJobModel>; registry?: SourceRegistry; sandbox?: Sandbox }): Promise<void> {
  parts.model?.stop();
  parts.registry?.destroy();
  await parts.sandbox?.close();
}
