// Documents are bounded before the parser sees them: nesting that would take graphql-js's
// recursive parser past the stack is refused with a code, quietly.
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
