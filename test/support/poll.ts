// Load for the tests that start gateway processes: clients that post one query in a loop for a while.
import { GRAPHQL_HEADERS } from '../../bench/processes.js';

/** Each URL polled by `clients` loops posting `query` for `ms`; the answers' error codes, and how many answers came back. */
export async function poll(urls: readonly string[], clients: number, ms: number, pauseMs: number, query: string): Promise<{ codes: string[]; answers: number }> {
  const until = Date.now() + ms;
  const codes: string[] = [];
  let answers = 0;

  await Promise.all(
    urls.flatMap((url) =>
      Array.from({ length: clients }, async () => {
        while (Date.now() < until) {
          const response = await fetch(url, { method: 'POST', headers: GRAPHQL_HEADERS, body: JSON.stringify({ query }) });
          const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
          answers += 1;
          for (const error of body.errors ?? []) codes.push(String(error.extensions?.code));
          if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
        }
      }),
    ),
  );
  return { codes, answers };
}
