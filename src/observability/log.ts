// The one way the gateway writes a log line. By default each line is the plain text it has always
// been (people, scripts and the tests read those); with LOG_FORMAT=json each is one JSON object
// carrying its level, its fields, the request it belongs to and, while tracing, the trace.
import { format as formatArguments } from 'node:util';
import { isSpanContextValid, trace } from '@opentelemetry/api';
import { createLogger, type YogaLogger } from 'graphql-yoga';
import { contextKey, valueOf, withValue } from './context.js';

export type LogLevel = 'info' | 'warn' | 'error';

export type LogFormat = 'text' | 'json';

/** Names and codes only: a field never holds an upstream body, a URL or a credential. */
export type LogFields = Record<string, string | number | undefined>;

let chosenFormat: LogFormat = 'text';

export function setLogFormat(chosen: LogFormat): void {
  chosenFormat = chosen;
}

/** The id of the request under way, for every line written on its behalf (its upstream calls included). */
const REQUEST_ID = contextKey<string>('backup-graph request id');

export function inRequest<T>(requestId: string, run: () => T): T {
  return withValue(REQUEST_ID, requestId, run);
}

/** The id of the request under way (its x-request-id), if any. */
export function currentRequestId(): string | undefined {
  return valueOf(REQUEST_ID);
}

/**
 * Writes one line: `text` as it is, or in JSON as `msg` beside `event` and the fields. Warnings and
 * errors go to stderr, the rest to stdout, in either format. The console method is looked up per
 * line, so that whoever replaces it (a test runner) sees the line.
 */
export function log(level: LogLevel, event: string, text: string, fields: LogFields = {}): void {
  const write = level === 'info' ? console.log : level === 'warn' ? console.warn : console.error;
  if (chosenFormat === 'text') {
    write(text);
    return;
  }
  const span = trace.getActiveSpan()?.spanContext();
  const traced = span && isSpanContextValid(span) ? { traceId: span.traceId, spanId: span.spanId } : {};
  write(JSON.stringify({ time: new Date().toISOString(), level, event, msg: text, ...fields, requestId: currentRequestId(), ...traced }));
}

const yogaText = createLogger();

/**
 * Yoga's own lines (chiefly an unexpected error with its stack, which clients never see): yoga's
 * usual text, or one JSON line like the others, its debug lines left out.
 */
export const yogaLogger: YogaLogger = {
  debug: (...args) => (chosenFormat === 'text' ? yogaText.debug(...args) : undefined),
  info: (...args) => (chosenFormat === 'text' ? yogaText.info(...args) : log('info', 'yoga', formatArguments(...args))),
  warn: (...args) => (chosenFormat === 'text' ? yogaText.warn(...args) : log('warn', 'yoga', formatArguments(...args))),
  error: (...args) => (chosenFormat === 'text' ? yogaText.error(...args) : log('error', 'yoga', formatArguments(...args))),
};
