/**
 * The HTTP transport port of the reference client. Everything that goes over the network goes
 * through one function, so tests can record traffic (and grep it for planted secrets,
 * E2EE-SEC-003), inject faults, or route requests to an in-process server.
 *
 * @module
 */
import { SealfoldError } from '../errors/index.js';

export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: Uint8Array;
}

export interface HttpResponse {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: Uint8Array;
}

export type HttpTransport = (req: HttpRequest) => Promise<HttpResponse>;

/** The default transport: Node's fetch. Network failures become SERVER_ERROR. */
export const fetchTransport: HttpTransport = async (req) => {
  let res: Response;
  try {
    res = await fetch(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body ? new Uint8Array(req.body) : undefined,
      redirect: 'manual',
    });
  } catch (e) {
    throw new SealfoldError('SERVER_ERROR', `cannot reach ${new URL(req.url).origin}`, {
      cause: e,
    });
  }
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => (headers[k.toLowerCase()] = v));
  return { status: res.status, headers, body: new Uint8Array(await res.arrayBuffer()) };
};

/** A transport that records every request and response (for tests and evidence). */
export function recordingTransport(inner: HttpTransport): {
  transport: HttpTransport;
  log: Array<{ request: HttpRequest; response?: HttpResponse }>;
} {
  const log: Array<{ request: HttpRequest; response?: HttpResponse }> = [];
  return {
    log,
    transport: async (request) => {
      const entry: { request: HttpRequest; response?: HttpResponse } = { request };
      log.push(entry);
      entry.response = await inner(request);
      return entry.response;
    },
  };
}
