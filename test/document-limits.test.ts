// Documents are bounded before the parser sees them: nesting that would take graphql-js's
// recursive parser past the stack, too many definitions or too many bytes are refused with a code,
// quietly; and what the gateway keeps parsed is bounded by size, not only by count.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestGateway, type TestGateway } from './support/gateway.js';

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway.close());
afterEach(() => vi.restoreAllMocks());

/** Everything the process writes to the console while `run` runs. */
async function consoleDuring(run: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' ')));
  }
  await run();
  vi.restoreAllMocks();
  return lines;
}

async function post(body: unknown): Promise<{ status: number; json: { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] } }> {
  const response = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as never };
}

describe('nesting', () => {
  const selections = (depth: number) => `{ ${'backupJobs { '.repeat(depth)}totalCount${' }'.repeat(depth)} }`;
  const lists = (depth: number) => `{ backupJobs(filter: { sourceNames: ${'['.repeat(depth)}"x"${']'.repeat(depth)} }) { totalCount } }`;
  const objects = (depth: number) => `{ backupJobs(filter: ${'{ a: '.repeat(depth)}1${' }'.repeat(depth)}) { totalCount } }`;

  it.each([
    ['2,240 nested selections', selections(2_240)],
    ['3,000 nested list literals', lists(3_000)],
    ['3,000 nested object literals', objects(3_000)],
  ])('refuses %s with a coded 400 before the parser recurses, and logs no stack', async (_name, query) => {
    let answers: Awaited<ReturnType<typeof post>>[] = [];
    const lines = await consoleDuring(async () => {
      answers = await Promise.all(Array.from({ length: 10 }, () => post({ query })));
    });
    for (const answer of answers) {
      expect(answer.status).toBe(400);
      expect(answer.json.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      expect(answer.json.errors?.[0]?.message).toMatch(/^The document nests deeper than 64 levels/);
    }
    expect(lines.length).toBeLessThanOrEqual(1);
    expect(lines.join('\n')).not.toMatch(/RangeError|\n\s+at /);
  });

  it('counts no bracket inside a string, a block string or a comment', async () => {
    const brackets = '{'.repeat(100);
    const query = `# ${brackets}\n{ backupJobs(filter: { sourceNames: ["${brackets}", """${brackets} \\""" ${brackets}"""] }) { totalCount } }`;
    const answer = await post({ query });
    // Parsed and run: refused by the resolver, which serves no such source.
    expect(answer.json.errors?.[0]?.message).toMatch(/^"filter.sourceNames" names sources this gateway does not serve/);
  });
});

describe('size and definitions', () => {
  /** A document of `count` distinct fragments, its names made unique by `nonce`: about 54 KB for 1,000. */
  const fragments = (count: number, nonce: number) => {
    const names = Array.from({ length: count }, (_, index) => `f${nonce}x${index}`);
    return `{ ${names.map((name) => `...${name}`).join(' ')} }\n${names.map((name) => `fragment ${name} on Query { __typename }`).join('\n')}`;
  };

  it('refuses a document of more than maxDefinitions operations and fragments before parsing it', async () => {
    const answer = await post({ query: fragments(1_000, 1) });
    expect(answer.status).toBe(400);
    expect(answer.json.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(answer.json.errors?.[0]?.message).toBe('The document holds more than 100 definitions (operations and fragments)');
    expect((await post({ query: fragments(99, 2) })).json.data).toEqual({ __typename: 'Query' });
  });

  it('refuses a document of more than maxDocumentBytes, comments included', async () => {
    const answer = await post({ query: `# ${'x'.repeat(70_000)}\n{ __typename }` });
    expect(answer.status).toBe(400);
    expect(answer.json.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(answer.json.errors?.[0]?.message).toBe('The document is 70017 bytes long; at most 65536 are accepted');
  });

  it('keeps no large document parsed: unique ones within every limit leave the heap where it was', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    /**
     * About 45 KB and 9,000 tokens in 60 fragments: within every limit and unique by its names, it is
     * parsed, and graphql-js aborts its validation (its fragment work bound).
     */
    const large = (nonce: number) => {
      const names = Array.from({ length: 60 }, (_, index) => `g${nonce}x${index}`);
      const fields = 'name '.repeat(148);
      return `{ backupSources { ${names.map((name) => `...${name}`).join(' ')} } }\n${names.map((name) => `fragment ${name} on BackupSource { ${fields}}`).join('\n')}`;
    };
    expect((await post({ query: large(0) })).json.errors?.[0]?.message).toBe('Validation aborted.');
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let nonce = 1; nonce <= 40; nonce++) {
      expect((await post({ query: large(nonce) })).json.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    }
    gc();
    // Yoga's own cache kept each, about 4 MB apiece: 160 MB for these 40.
    expect((process.memoryUsage().heapUsed - before) / 2 ** 20).toBeLessThan(30);
  }, 60_000);
});
