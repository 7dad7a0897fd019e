// The house keeps its shape. Its imports keep the rules of .dependency-cruiser.mjs: one direction,
// from the server down to the job model, no circles, the sandbox and the gateway apart; and the
// committed picture of them (docs/architecture.md) is current. The read layer is source-agnostic:
// outside each kind's own files and the two registries, no code names a kind of source or a filter
// condition a kind adds, so a third kind is added without editing shared code
// (docs/adding-a-source.md). Comments and prose in strings may name the upstreams; code may not.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ICruiseResult, IViolation } from 'dependency-cruiser';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import rules from '../.dependency-cruiser.mjs';
import { cruiseImports, drawArchitecture, PICTURE, placeOf } from '../architecture.js';
import { kindConditions } from '../schema/filter.js';
import '../schema/index.js';
import { SOURCE_KINDS } from '../src/sources.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The kinds the registry lists, each by its `configKind`: its folder (which holds its mapper) and
 * its schema file are named after it, and code names the kind with words that start with it
 * (`aws`, `AwsBackupJob`, `AWS_BACKUP`; `sailPoint`, `SailPointSource`, `SAILPOINT`).
 */
const KINDS = SOURCE_KINDS.map(({ configKind }) => configKind);

/** A kind's own files: its folder under src/ (client, adapter, mapper, config schema) and its schema file. */
const KIND_FILES = KINDS.flatMap((kind) => [`src/${kind}/`, `schema/${kind}.ts`]);

/** The registry of source kinds, the registry of schema files, and the sandbox, which imitates each upstream. */
const ALLOWED = ['src/sources.ts', 'schema/index.ts', 'src/sandbox/'];

function filesUnder(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => `${folder}/${name.split('\\').join('/')}`);
}

const SHARED = ['src', 'resolvers', 'schema']
  .flatMap(filesUnder)
  .filter((path) => ![...KIND_FILES, ...ALLOWED].some((own) => (own.endsWith('/') ? path.startsWith(own) : path === own)));

/** Whether a word of code starts with a kind's name. */
function namesKind(word: string): boolean {
  return KINDS.some((kind) => word.toLowerCase().startsWith(kind));
}

/** Whether a module specifier leads into a kind's files or its upstream's SDK (`../aws/source.js`, `@aws-sdk/client-backup`). */
function namesKindModule(specifier: string): boolean {
  return specifier.split(/[/.@-]/).some((segment) => KINDS.includes(segment));
}

/**
 * Each place in a file's code (not its comments or prose) that names what `names` picks out: an
 * identifier, a one-word string, or an import whose specifier `namesModule` picks out.
 */
function placesNaming(path: string, names: (word: string) => boolean, namesModule: (specifier: string) => boolean = () => false): string[] {
  const text = readFileSync(join(ROOT, path), 'utf8');
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const report = (node: ts.Node, what: string) =>
    found.push(`${path}:${file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1} ${what}`);
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && names(node.text)) report(node, node.text);
    else if (ts.isStringLiteralLike(node)) {
      const importing = ts.isImportDeclaration(node.parent) || ts.isExportDeclaration(node.parent) || ts.isCallExpression(node.parent);
      if (importing && namesModule(node.text)) report(node, `import '${node.text}'`);
      else if (/^\w+$/.test(node.text) && names(node.text)) report(node, `'${node.text}'`);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** Each place in a file's code that names a kind. */
function kindNames(path: string): string[] {
  return placesNaming(path, namesKind, namesKindModule);
}

describe('architecture', () => {
  it('scans the shared code: the list, merge, paging, caching, config and schema files', () => {
    for (const path of ['src/model/job.ts', 'src/config/index.ts', 'src/read-model/source-read-model.ts', 'resolvers/backup-jobs.ts', 'resolvers/ids.ts', 'schema/backup-job.ts', 'schema/federation.ts', 'schema/filter.ts']) {
      expect(SHARED).toContain(path);
    }
  });

  it('finds a kind named in code: the registry names every kind it lists', () => {
    const named = kindNames('src/sources.ts').map((place) => place.slice(place.indexOf(' ') + 1));
    for (const kind of KINDS) expect(named.some((name) => name.toLowerCase().startsWith(kind)), kind).toBe(true);
  });

  it('names no kind of source outside its own files and the registries', () => {
    expect(SHARED.flatMap(kindNames)).toEqual([]);
  });

  it("names no kind's filter condition outside its own files: each kind adds its conditions to the shared filter", () => {
    const conditions = new Set(kindConditions.flatMap(({ names }) => names));
    expect(conditions.size).toBeGreaterThan(0);
    expect(SHARED.flatMap((path) => placesNaming(path, (word) => conditions.has(word)))).toEqual([]);
  });
});

/** A broken rule as a reviewer reads it: the rule, the import (or the circle) and why the rule is there. */
function describeViolation(violation: IViolation): string {
  const path = violation.cycle?.length ? [violation.from, ...violation.cycle.map(({ name }) => name)] : [violation.from, violation.to];
  const why = rules.forbidden?.find(({ name }) => name === violation.rule.name)?.comment;
  return `${violation.rule.name}: ${path.join(' -> ')}${why ? ` (${why})` : ''}`;
}

describe('imports', () => {
  let imports: ICruiseResult;
  beforeAll(async () => {
    imports = await cruiseImports();
  }, 60_000);

  it('reads the project: every folder the rules speak of', () => {
    const folders = new Set(imports.modules.map(({ source }) => source.split('/')[0]));
    for (const folder of ['src', 'resolvers', 'schema', 'bench', 'test']) expect(folders).toContain(folder);
  });

  it('keep the rules of .dependency-cruiser.mjs: no circles, every import downward, the sandbox and the gateway apart', () => {
    expect(imports.summary.violations.map(describeViolation)).toEqual([]);
  });

  it('place every module of the gateway in a layer or the sandbox, so that the rules reach it', () => {
    const gateway = imports.modules.filter(({ source }) => /^(src|resolvers|schema)\//.test(source));
    expect(gateway.length).toBeGreaterThan(50);
    expect(gateway.filter(({ source }) => placeOf(source) === null).map(({ source }) => source)).toEqual([]);
  });

  it(`are what the committed ${PICTURE} draws (run \`npm run architecture\` after moving an import across layers)`, async () => {
    const committed = readFileSync(join(ROOT, PICTURE), 'utf8');
    expect(committed, `${PICTURE} is stale`).toBe(await drawArchitecture(imports));
  });
});

