// The route table as an OpenAPI 3.1 document (served by the hub at /v1/openapi.json).
import { z } from 'zod';
import { ErrorBody } from './errors';
import { routes, type RouteSpec } from './routes';

type Json = Record<string, unknown>;

const inputSchema = (s: z.ZodType): Json => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as Json;
const outputSchema = (s: z.ZodType): Json => z.toJSONSchema(s, { io: 'output', unrepresentable: 'any' }) as Json;

function parameters(route: RouteSpec): Json[] {
  const out: Json[] = [];
  const add = (where: 'path' | 'query' | 'header', obj: z.ZodObject | undefined) => {
    if (!obj) return;
    const json = inputSchema(obj) as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, schema] of Object.entries(json.properties ?? {})) {
      out.push({ name, in: where, required: where === 'path' || (json.required ?? []).includes(name), schema });
    }
  };
  add('path', route.params);
  add('query', route.query);
  add('header', route.headers);
  return out;
}

export function buildOpenApi(version: string): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const [name, route] of Object.entries(routes) as [string, RouteSpec][]) {
    const path = route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const responses: Record<string, Json> = {};
    for (const [status, schema] of Object.entries(route.responses)) {
      responses[status] =
        schema === null
          ? { description: 'no body' }
          : schema === 'binary'
            ? {
                description: 'the bytes',
                content: {
                  [route.media?.response ?? 'application/octet-stream']: {
                    schema: { type: 'string', format: 'binary' },
                  },
                },
              }
            : { description: 'success', content: { 'application/json': { schema: outputSchema(schema) } } };
    }
    // Every failure has the one error shape; its `error` code lists what can go wrong.
    responses.default = {
      description: 'error',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
    const operation: Json = {
      operationId: name,
      summary: route.summary,
      parameters: parameters(route),
      responses,
      ...(route.auth ? {} : { security: [] }),
    };
    if (route.body === 'binary') {
      operation.requestBody = {
        required: true,
        content: {
          [route.media?.request ?? 'application/octet-stream']: { schema: { type: 'string', format: 'binary' } },
        },
      };
    } else if (route.body) {
      operation.requestBody = {
        required: !route.body.safeParse(undefined).success,
        content: { 'application/json': { schema: inputSchema(route.body) } },
      };
    }
    (paths[path] ??= {})[route.method.toLowerCase()] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'EDO Clerk exchange hub',
      version,
      description: 'Protocol v1 between the clerk and the exchange operator (docs/architecture.md §3).',
    },
    paths,
    components: {
      schemas: { Error: outputSchema(ErrorBody) },
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    },
    security: [{ bearer: [] }],
  };
}
