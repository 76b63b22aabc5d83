/**
 * A route, defined once, independent of the HTTP framework: its method and path, who may call it, what
 * body it takes, and a handler from a plain request to a plain answer. express serves every route
 * (./express/app.ts); the counter lane serves the two a window calls for every bill on node's own
 * request and response (./node/counter-lane.ts). Both run the same handler.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { Principal, Role } from '../access/keys.js';

export interface RouteRequest {
  /** Path parameters (`:id`). */
  params: Record<string, string>;
  /** The query string, each key once (`a=1&a=2` gives an array). */
  query: Record<string, unknown>;
  /** The JSON body, parsed (routes with `body`); `{}` for an empty one. */
  body: unknown;
  /** Who presented the key (null on public routes). */
  principal: Principal;
  headers: IncomingHttpHeaders;
  /** The body as it arrives (routes with `body: 'stream'`), not buffered: a register file of 100,000 rows. */
  stream?: Readable;
}

export interface RouteAnswer {
  status?: number;
  /** A value to send as JSON. */
  json?: unknown;
  /** A body already written (JSON text, HTML, CSV), sent as it is with `type`. */
  text?: string;
  /** Content-Type of `text` (default: JSON). */
  type?: string;
  headers?: Record<string, string>;
}

export interface Route {
  method: 'GET' | 'POST';
  /** express-style: `/v1/settlements/:id`. */
  path: string;
  /** Who may call it (admin always may); `any` = any valid key. */
  roles: readonly Role[] | 'any';
  /**
   * `json`: a JSON body is required (415 otherwise); `optional`: a JSON body if there is one, else `{}`;
   * `stream`: the body is the route's to read (`stream`), with its own limit.
   */
  body?: 'json' | 'optional' | 'stream';
  /** The 415 message when the body is not JSON. */
  mediaTypeMessage?: string;
  handle(req: RouteRequest): Promise<RouteAnswer>;
}

/** The answer as JSON: `json(value, 201)`. */
export function json(value: unknown, status = 200): RouteAnswer {
  return { status, json: value };
}
