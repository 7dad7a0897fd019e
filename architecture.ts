// The house as dependency-cruiser sees it: the imports under the rules of .dependency-cruiser.mjs,
// and docs/architecture.svg, its graph with every module collapsed into its layer, drawn by
// Graphviz compiled to WebAssembly. `npm run architecture` redraws the picture; the architecture
// test fails when the committed one no longer matches the imports.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { instance } from '@viz-js/viz';
import { cruise, format, type ICruiseResult, type IDependency, type IModule } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { LAYERS, SANDBOX } from './.dependency-cruiser.mjs';

/** The folders the rules speak of: the gateway, the GraphQL layer, the benchmarks and the tests. */
export const CRUISED = ['src', 'resolvers', 'schema', 'bench', 'test'];

export const PICTURE = 'docs/architecture.svg';

/** The imports of the cruised folders, each checked against the rules. */
export async function cruiseImports(): Promise<ICruiseResult> {
  const options = await extractDepcruiseOptions('./.dependency-cruiser.mjs');
  const { output } = await cruise(CRUISED, options, undefined, { tsConfig: extractTSConfig('tsconfig.json') });
  return output as ICruiseResult;
}

/** The layer a module of the gateway belongs to, the sandbox, or null for a module outside both (a test, a package). */
export function placeOf(path: string): string | null {
  if (new RegExp(SANDBOX).test(path)) return 'sandbox';
  return LAYERS.find((layer) => new RegExp(layer.path).test(path))?.name ?? null;
}

/** Fill colours from the ground floor up, and the sandbox's apart. */
const COLOURS = ['#fff2cc', '#fde9d9', '#fcdcd0', '#e2efda', '#ddebf7', '#e4dfec', '#d9d2e9', '#d0cee2'];
const SANDBOX_COLOUR = '#eeeeee';

/**
 * dependency-cruiser's graph with each module renamed to its layer: its own consolidation merges a
 * layer's modules into one node and drops the imports within a layer.
 */
function byLayer(result: ICruiseResult): ICruiseResult {
  const modules = result.modules.flatMap((module): IModule[] => {
    const place = placeOf(module.source);
    if (place === null) return [];
    const dependencies = module.dependencies.flatMap((dependency): IDependency[] => {
      const target = placeOf(dependency.resolved);
      return target === null || target === place ? [] : [{ ...dependency, resolved: target, module: target }];
    });
    return [{ ...module, source: place, dependencies }];
  });
  const theme = {
    graph: { rankdir: 'TB', splines: 'true', ranksep: '0.35', nodesep: '0.3', fontsize: '11' },
    node: { shape: 'box', style: 'rounded, filled', fontname: 'Helvetica', fontsize: '11', width: '2.6', margin: '0.15,0.06' },
    edge: { color: '#00000066', penwidth: '1.2', arrowsize: '0.7' },
    modules: [
      ...LAYERS.map((layer, index) => ({
        criteria: { source: `^${layer.name}$` },
        attributes: { label: `${layer.name}\\n${wrap(layer.description)}`, fillcolor: COLOURS[index % COLOURS.length]! },
      })),
      { criteria: { source: '^sandbox$' }, attributes: { label: 'sandbox\\nlocal AWS Backup and SailPoint servers', fillcolor: SANDBOX_COLOUR } },
    ],
  };
  // A layer's node links to nothing: '#' keeps its link within the page.
  const optionsUsed = { ...result.summary.optionsUsed, prefix: '#', reporterOptions: { archi: { collapsePattern: '^[^/]+$', theme } } };
  return { ...result, modules, summary: { ...result.summary, optionsUsed } };
}

/** A description in lines of about 40 characters, as Graphviz escapes a line break. */
function wrap(text: string): string {
  const lines: string[] = [];
  for (const word of text.split(' ')) {
    const last = lines.length - 1;
    if (last >= 0 && lines[last]!.length + word.length < 40) lines[last] += ` ${word}`;
    else lines.push(word);
  }
  return lines.join('\\n');
}

/** The picture of the layers and the sandbox, with an arrow wherever a module of one imports from another. */
export async function drawArchitecture(result: ICruiseResult): Promise<string> {
  const { output } = await format(byLayer(result), { outputType: 'archi' });
  const viz = await instance();
  return viz.renderString(String(output), { format: 'svg' });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await writeFile(PICTURE, await drawArchitecture(await cruiseImports()));
  console.log(`wrote ${PICTURE}`);
}
