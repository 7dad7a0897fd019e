// `--observability`: what a production gateway pays for being watched. Each gateway serves its
// metrics and a scraper reads them during the load, it exports its traces to a local OTLP/HTTP
// sink, and it logs in JSON; without the option it does none of these, and the difference in
// served requests per second is the overhead.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Far more often than a Prometheus server scrapes (15 s to 1 min), so that the cost is not understated. */
const SCRAPE_INTERVAL_MS = 2_000;

export const OBSERVABILITY_PARTS = ['metrics', 'traces', 'logs'] as const;

export type ObservabilityPart = (typeof OBSERVABILITY_PARTS)[number];

export interface ObservabilityLoad {
  /** What the gateway's environment needs to export its traces to the sink and to log in JSON (those of the parts asked for). */
  env: NodeJS.ProcessEnv;
  /** Scrapes the gateway's metrics until the returned function is called. */
  scrape(graphqlUrl: string): () => void;
  /** Scrapes answered, trace exports received and their bytes, so far. */
  seen(): { scrapes: number; traceExports: number; traceBytes: number };
  close(): Promise<void>;
}

export async function startObservabilityLoad(parts: readonly ObservabilityPart[] = OBSERVABILITY_PARTS): Promise<ObservabilityLoad> {
  const seen = { scrapes: 0, traceExports: 0, traceBytes: 0 };
  const sink = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => (seen.traceBytes += chunk.length));
    req.on('end', () => {
      seen.traceExports += 1;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  return {
    env: {
      ...(parts.includes('logs') ? { LOG_FORMAT: 'json' } : {}),
      ...(parts.includes('traces') ? { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(sink.address() as AddressInfo).port}` } : {}),
    },
    scrape(graphqlUrl) {
      const metricsUrl = graphqlUrl.replace(/\/graphql$/, '/metrics');
      const timer = setInterval(() => {
        void fetch(metricsUrl)
          .then((response) => response.text())
          .then(() => (seen.scrapes += 1), () => undefined);
      }, SCRAPE_INTERVAL_MS);
      return () => clearInterval(timer);
    },
    seen: () => ({ ...seen }),
    close: () => new Promise((resolve) => sink.close(() => resolve())),
  };
}
