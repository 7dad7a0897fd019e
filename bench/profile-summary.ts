// `npx tsx bench/profile-summary.ts <folder>...`: self time of a gateway's V8 CPU profiles (one per
// process: its primary and each worker) during the bench's measured phase, by owner (ours, a
// package, Node, V8) and by function.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** The measured phase, in milliseconds of the monotonic clock (process.hrtime, the clock of a profile's startTime). */
export interface ProfileWindow {
  fromMs: number;
  toMs: number;
}

/** Who a frame belongs to: a package under node_modules, one of our folders, Node itself, or V8. */
function ownerOf(url: string): string {
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1]!;
  const ours = /\/(src|schema|resolvers|bench)\//.exec(url);
  if (ours) return `ours: ${ours[1]}/`;
  if (url.startsWith('node:')) return 'node (built-in)';
  return url === '' ? '(v8: gc, native)' : url;
}

function summarize(profile: CpuProfile, window: ProfileWindow | null, top = 25): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const byFunction = new Map<string, number>();
  const byOwner = new Map<string, number>();
  let busy = 0;
  let elapsedUs = 0;
  profile.samples.forEach((id, index) => {
    const us = profile.timeDeltas[index] ?? 0;
    elapsedUs += us;
    const atUs = profile.startTime + elapsedUs;
    if (window && (atUs < window.fromMs * 1000 || atUs > window.toMs * 1000)) return;
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)' || frame.functionName === '(program)') return;
    busy += us;
    const owner = ownerOf(frame.url);
    const file = frame.url.replace(/^.*\//, '');
    const name = `${frame.functionName || '(anonymous)'}  [${owner}]  ${file}:${frame.lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + us);
  });
  const share = (us: number) => `${((100 * us) / busy).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms`;
  const ranked = (map: Map<string, number>, count: number) =>
    [...map].sort((a, b) => b[1] - a[1]).slice(0, count).map(([name, us]) => `  ${share(us)}  ${name}`);
  return [
    `busy CPU ${window ? 'in the measured phase' : 'over the whole process'}: ${(busy / 1000).toFixed(0)} ms`,
    'by owner:',
    ...ranked(byOwner, 15),
    `top ${top} functions by self time:`,
    ...ranked(byFunction, top),
  ].join('\n');
}

/**
 * The main threads' profiles of a run folder, one per process of the gateway (its primary and each
 * worker); named CPU.<date>.<time>.<pid>.<thread>.<n>, where tsx's loader thread writes one of its own.
 */
function mainProfiles(folder: string): string[] {
  const files = readdirSync(folder).filter((file) => /\.\d+\.0\.\d+\.cpuprofile$/.test(file));
  if (files.length === 0) throw new Error(`No main-thread .cpuprofile in ${folder}`);
  return files.sort().map((file) => join(folder, file));
}

for (const folder of process.argv.slice(2)) {
  let window: ProfileWindow | null = null;
  try {
    window = JSON.parse(readFileSync(join(folder, 'window.json'), 'utf8')) as ProfileWindow;
  } catch {
    window = null;
  }
  for (const file of mainProfiles(folder)) {
    console.log(`== ${file}`);
    console.log(summarize(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, window));
  }
}
