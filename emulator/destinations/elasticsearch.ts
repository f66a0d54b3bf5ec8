// Elasticsearch `_bulk`: NDJSON action/source pairs, documents stored by index and _id (a re-sent
// document becomes a new version, not a copy), `_id` inside a source refused as the real one does.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from '../http';
import { header, jsonError, parseBasic, sendJson } from './common';

export class ElasticsearchState {
  readonly indices = new Map<string, Map<string, { source: Record<string, unknown>; version: number }>>();
  stats = { requests: 0, items: 0, created: 0, updated: 0, failed: 0 };
  constructor(readonly auth: { user?: string; password?: string; apiKey?: string } = {}) {}
  docs(index: string) {
    return this.indices.get(index) ?? new Map<string, { source: Record<string, unknown>; version: number }>();
  }
  summary() {
    return { ...this.stats, indices: Object.fromEntries([...this.indices].map(([n, m]) => [n, m.size])) };
  }
}

let autoId = 0;

export async function handleBulk(
  state: ElasticsearchState,
  defaultIndex: string | undefined,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  state.stats.requests++;
  if (state.auth.user !== undefined || state.auth.apiKey !== undefined) {
    const basic = parseBasic(req);
    const apiKey = /^ApiKey\s+(\S+)$/.exec(header(req, 'authorization') ?? '')?.[1];
    const ok =
      (basic && basic.user === state.auth.user && basic.password === state.auth.password) ||
      (apiKey !== undefined && apiKey === state.auth.apiKey);
    if (!ok) {
      req.resume();
      throw jsonError(401, {
        error: { type: 'security_exception', reason: 'unable to authenticate user for REST request [/_bulk]' },
        status: 401,
      });
    }
  }
  if (req.method !== 'POST' && req.method !== 'PUT')
    throw jsonError(405, { error: 'Incorrect HTTP method for uri [/_bulk], allowed: [POST, PUT]', status: 405 });
  const ct = header(req, 'content-type') ?? '';
  if (!/^application\/(x-ndjson|json)/.test(ct)) {
    req.resume();
    throw jsonError(406, { error: `Content-Type header [${ct}] is not supported`, status: 406 });
  }
  const text = (await readBody(req, 100 * 1024 * 1024)).toString('utf8');
  if (!text.endsWith('\n'))
    throw jsonError(400, {
      error: { type: 'illegal_argument_exception', reason: 'The bulk request must be terminated by a newline [\\n]' },
      status: 400,
    });
  const lines = text.split('\n');
  lines.pop();
  const t0 = Date.now();
  const items: Array<Record<string, unknown>> = [];
  let errors = false;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] === '') continue;
    let action: Record<string, { _index?: string; _id?: string }>;
    try {
      action = JSON.parse(lines[i]!) as typeof action;
    } catch {
      throw jsonError(400, {
        error: { type: 'x_content_parse_exception', reason: `[${i + 1}:1] Malformed action/metadata line [${i + 1}]` },
        status: 400,
      });
    }
    const op = Object.keys(action)[0] ?? '';
    if (!['index', 'create'].includes(op))
      throw jsonError(400, {
        error: {
          type: 'illegal_argument_exception',
          reason: `Malformed action/metadata line [${i + 1}], expected one of [create, delete, index, update] but found [${op}]`,
        },
        status: 400,
      });
    const meta = action[op] ?? {};
    const index = meta._index ?? defaultIndex;
    const sourceLine = lines[++i];
    if (!index)
      throw jsonError(400, {
        error: { type: 'action_request_validation_exception', reason: 'Validation Failed: 1: index is missing;' },
        status: 400,
      });
    const id = meta._id ?? `auto${++autoId}`;
    let source: Record<string, unknown>;
    try {
      source = JSON.parse(sourceLine ?? '') as Record<string, unknown>;
    } catch {
      errors = true;
      state.stats.failed++;
      items.push({
        [op]: { _index: index, _id: id, status: 400, error: { type: 'document_parsing_exception', reason: 'failed to parse' } },
      });
      continue;
    }
    state.stats.items++;
    if (source && typeof source === 'object' && '_id' in source) {
      errors = true;
      state.stats.failed++;
      items.push({
        [op]: {
          _index: index,
          _id: id,
          status: 400,
          error: {
            type: 'document_parsing_exception',
            reason: `[1:2] failed to parse field [_id] of type [_id] in document with id '${id}'. Preview of field's value: '${String(source._id).slice(0, 40)}'`,
            caused_by: {
              type: 'illegal_argument_exception',
              reason: 'Field [_id] is a metadata field and cannot be added inside a document. Use the index API request parameters.',
            },
          },
        },
      });
      continue;
    }
    let docs = state.indices.get(index);
    if (!docs) state.indices.set(index, (docs = new Map()));
    const prev = docs.get(id);
    if (prev && op === 'create') {
      errors = true;
      state.stats.failed++;
      items.push({
        create: {
          _index: index,
          _id: id,
          status: 409,
          error: {
            type: 'version_conflict_engine_exception',
            reason: `[${id}]: version conflict, document already exists (current version [${prev.version}])`,
          },
        },
      });
      continue;
    }
    const version = (prev?.version ?? 0) + 1;
    docs.set(id, { source, version });
    if (prev) state.stats.updated++;
    else state.stats.created++;
    items.push({
      [op]: {
        _index: index,
        _id: id,
        _version: version,
        result: prev ? 'updated' : 'created',
        status: prev ? 200 : 201,
        _seq_no: version - 1,
        _primary_term: 1,
      },
    });
  }
  sendJson(res, 200, { took: Date.now() - t0, errors, items });
}
