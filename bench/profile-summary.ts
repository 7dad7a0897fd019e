// `npx tsx bench/profile-summary.ts <folder>...`: self time of a gateway's V8 CPU profile during the
// bench's measured phase, by owner (ours, a package, Node, V8) and by function.
import { readdirSync, readFileSync, statSync } from 'node:fs';
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

/** The measured phase, in milliseconds after the gateway process was spawned. */
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
    // The profiler starts a few milliseconds after spawn; the window is that much early, which the load's length dwarfs.
    if (window && (elapsedUs < window.fromMs * 1000 || elapsedUs > window.toMs * 1000)) return;
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

/** The main thread's profile of a run folder: the largest one (tsx's loader thread writes a small one too). */
function mainProfile(folder: string): string {
  const files = readdirSync(folder).filter((file) => file.endsWith('.cpuprofile'));
  const largest = files.sort((a, b) => statSync(join(folder, b)).size - statSync(join(folder, a)).size)[0];
  if (!largest) throw new Error(`No .cpuprofile in ${folder}`);
  return join(folder, largest);
}

for (const folder of process.argv.slice(2)) {
  const file = mainProfile(folder);
  let window: ProfileWindow | null = null;
  try {
    window = JSON.parse(readFileSync(join(folder, 'window.json'), 'utf8')) as ProfileWindow;
  } catch {
    window = null;
  }
  console.log(`== ${file}`);
  console.log(summarize(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, window));
}
