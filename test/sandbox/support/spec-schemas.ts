// Validates sandbox responses against the 2.2 spec's schemas with ajv: the OpenAPI 3.0 dialect
// converted to JSON Schema (nullable, $refs into #/components/schemas), plus the live shapes
// docs/intercom-api.md documents where the live API differs from the spec.
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS; under NodeNext its function arrives as the module's `default`.
type AddFormats = (ajv: Ajv) => Ajv;
const addFormats: AddFormats =
  (addFormatsModule as unknown as { default?: AddFormats }).default ??
  (addFormatsModule as unknown as AddFormats);

const specPath = new URL('../../../spec/intercom-openapi-2.2.json', import.meta.url);
export const spec = JSON.parse(readFileSync(specPath, 'utf8')) as {
  paths: Record<
    string,
    Record<
      string,
      { responses?: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }> }
    >
  >;
  components: { schemas: Record<string, unknown> };
};

/**
 * OpenAPI 3.0 → JSON Schema. Spec quirks handled here:
 * - `nullable: true` becomes a `null` type (and `anyOf` beside a $ref);
 * - `minItems: 1` is dropped: the spec puts it on every list, but empty lists are normal
 *   (a contact without tags, a search without hits, the scroll's final empty page);
 * - `example` / `x-examples` are annotations, not constraints.
 */
function convert(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(convert);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'example' || key === 'x-examples' || key === 'nullable') continue;
    if (key === 'minItems' && value === 1) continue;
    out[key] =
      key === 'properties'
        ? Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, convert(v)]))
        : convert(value);
  }
  const nullable = (node as Record<string, unknown>).nullable === true;
  if (nullable && typeof out.type === 'string') out.type = [out.type, 'null'];
  if (nullable && out.$ref) return { anyOf: [{ $ref: out.$ref }, { type: 'null' }] };
  return out;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const pagesSimpleLive = {
  type: 'object',
  required: ['type'],
  properties: {
    type: { const: 'pages' },
    // Live sends `next: null` on the last page (docs/intercom-api.md#company-listing).
    next: { type: ['string', 'null'], format: 'uri' },
    page: { type: 'integer', minimum: 1 },
    per_page: { type: 'integer', minimum: 1 },
    total_pages: { type: 'integer', minimum: 0 },
  },
};

/**
 * The live shapes where they differ from the spec (docs/intercom-api.md#scroll,
 * docs/intercom-api.md#error-envelope, docs/intercom-api.md#company-listing,
 * docs/intercom-api.md#archive-delete-merge).
 */
const liveSchemas: Record<string, unknown> = {
  LiveCompanyList: {
    type: 'object',
    required: ['type', 'data'],
    additionalProperties: false,
    properties: {
      type: { const: 'list' },
      data: { type: 'array', items: ref('LiveCompany') },
      pages: { anyOf: [{ type: 'null' }, pagesSimpleLive] },
      total_count: { type: ['integer', 'null'], minimum: 0 },
      scroll_param: { type: 'string', minLength: 1 },
    },
  },
  // Live request ids are 20 base-32 characters ("005km64sk8i4aegi3di0"), not the spec's UUID example.
  LiveErrors: {
    allOf: [
      ref('Errors'),
      { type: 'object', properties: { request_id: { type: 'string', pattern: '^[0-9a-v]{20}$' } } },
    ],
  },
  LiveDeleteContact: {
    type: 'object',
    required: ['id', 'object', 'deleted'],
    properties: { id: { type: 'string' }, object: { const: 'contact' }, deleted: { const: true } },
  },
  ArchiveResponse: {
    type: 'object',
    required: ['id', 'object', 'archived'],
    properties: { id: { type: 'string' }, object: { const: 'contact' }, archived: { type: 'boolean' } },
  },
  SegmentListLive: {
    type: 'object',
    required: ['type', 'segments'],
    properties: { type: { const: 'segment.list' }, segments: { type: 'array', items: ref('Segment') } },
  },
  AdminList: {
    type: 'object',
    required: ['type', 'admins'],
    properties: { type: { const: 'admin.list' }, admins: { type: 'array', items: ref('Admin') } },
  },
  DataAttribute: {
    type: 'object',
    required: ['type', 'name', 'full_name', 'data_type', 'model', 'custom'],
    properties: { type: { const: 'data_attribute' }, custom: { type: 'boolean' } },
  },
  DeletedTag: {
    type: 'object',
    required: ['id', 'object', 'deleted'],
    properties: { id: { type: 'string' }, object: { const: 'tag' }, deleted: { const: true } },
  },
  Team: {
    type: 'object',
    required: ['type', 'id', 'name', 'admin_ids'],
    properties: {
      type: { const: 'team' },
      id: { type: 'string' },
      name: { type: 'string' },
      admin_ids: { type: 'array', items: { type: 'integer' } },
    },
  },
  TeamList: {
    type: 'object',
    required: ['type', 'teams'],
    properties: { type: { const: 'team.list' }, teams: { type: 'array', items: ref('Team') } },
  },
  DataAttributeList: {
    type: 'object',
    required: ['type', 'data'],
    properties: {
      type: { const: 'list' },
      data: {
        type: 'array',
        items: {
          type: 'object',
          required: ['type', 'name', 'full_name', 'data_type', 'model'],
          properties: { type: { const: 'data_attribute' } },
        },
      },
    },
  },
};

/**
 * The spec's Company as live answers differ from it: a company without a plan has `plan: {}`, and
 * a company's `name` can be null (docs/intercom-api.md#companies).
 */
function liveCompany(company: Record<string, unknown>): Record<string, unknown> {
  const properties = company.properties as Record<string, unknown>;
  return {
    ...company,
    properties: {
      ...properties,
      name: { type: ['string', 'null'] },
      plan: { anyOf: [ref('Plan'), { type: 'object', maxProperties: 0 }] },
    },
  };
}

export type Mode = 'live' | 'spec';

/** Which schema a 2xx response of a route must match, per mode; errors always match `Errors`. */
function successSchema(method: string, template: string, mode: Mode, query: URLSearchParams): string | null {
  const key = `${method} ${template}`;
  switch (key) {
    case 'GET /companies':
      if (query.has('company_id') || query.has('name')) return mode === 'live' ? 'LiveCompany' : 'Company';
      return mode === 'live' ? 'LiveCompanyList' : 'CompanyList';
    case 'GET /contacts/{id}/companies':
    case 'GET /companies/scroll':
      return mode === 'live' ? 'LiveCompanyList' : 'CompanyList';
    case 'DELETE /contacts/{id}':
      return mode === 'live' ? 'LiveDeleteContact' : 'DeleteContactResponse';
    case 'POST /contacts/{id}/archive':
    case 'POST /contacts/{id}/unarchive':
      return 'ArchiveResponse';
    // Live routes outside the 2.2 spec's paths, checked with its component schemas.
    case 'GET /companies/{id}':
      return mode === 'live' ? 'LiveCompany' : 'Company';
    case 'GET /tags':
      return 'TagList';
    case 'POST /tags':
    case 'GET /tags/{id}':
    case 'POST /contacts/{id}/tags':
    case 'DELETE /contacts/{id}/tags/{tagId}':
      return 'Tag';
    case 'GET /segments':
      return 'SegmentListLive';
    case 'GET /segments/{id}':
      return 'Segment';
    case 'GET /admins':
      return 'AdminList';
    case 'GET /admins/{id}':
    case 'GET /me':
      return 'Admin';
    case 'GET /data_attributes':
      return 'DataAttributeList';
    case 'POST /data_attributes':
      return 'DataAttribute';
    case 'DELETE /tags/{id}':
      return 'DeletedTag';
    case 'GET /teams':
      return 'TeamList';
    case 'GET /teams/{id}':
      return 'Team';
  }
  const op = spec.paths[template]?.[method.toLowerCase()];
  const schemaRef = op?.responses?.['200']?.content?.['application/json']?.schema?.$ref;
  const name = schemaRef ? schemaRef.split('/').pop()! : null;
  return name === 'Company' && mode === 'live' ? 'LiveCompany' : name;
}

const EXTRA_TEMPLATES = [
  '/companies/{id}',
  '/tags',
  '/tags/{id}',
  '/contacts/{id}/tags/{tagId}',
  '/segments',
  '/segments/{id}',
  '/admins',
  '/admins/{id}',
  '/me',
  '/data_attributes',
  '/teams',
  '/teams/{id}',
];

const templates = [...Object.keys(spec.paths).map((p) => p.replace(/\/$/, '') || '/'), ...EXTRA_TEMPLATES]
  .map((t) => ({
    t,
    re: new RegExp(`^${t.replace(/\{[^}]+\}/g, '[^/]+')}/?$`),
    params: (t.match(/\{/g) ?? []).length,
  }))
  // Static segments first: /companies/scroll before /companies/{id}.
  .sort((a, b) => a.params - b.params);

export function routeTemplate(path: string): string | null {
  const pathname = path.split('?')[0]!;
  return templates.find(({ re }) => re.test(pathname))?.t ?? null;
}

export class SpecValidator {
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly cache = new Map<string, ValidateFunction>();

  constructor() {
    addFormats(this.ajv);
    const converted = convert(spec.components.schemas) as Record<string, Record<string, unknown>>;
    const schemas = { ...converted, ...liveSchemas, LiveCompany: liveCompany(converted.Company!) };
    this.ajv.addSchema({ $id: 'intercom', components: { schemas } });
  }

  schemaFor(method: string, path: string, status: number, mode: Mode): string | null {
    if (status >= 400) return mode === 'live' ? 'LiveErrors' : 'Errors';
    const template = routeTemplate(path);
    if (!template) return null;
    return successSchema(method.toUpperCase(), template, mode, new URLSearchParams(path.split('?')[1] ?? ''));
  }

  /** Returns ajv's error text, or null when the body matches. */
  check(schemaName: string, body: unknown): string | null {
    let validate = this.cache.get(schemaName);
    if (!validate) {
      validate = this.ajv.getSchema(`intercom#/components/schemas/${schemaName}`);
      if (!validate) throw new Error(`no schema ${schemaName}`);
      this.cache.set(schemaName, validate);
    }
    return validate(body) ? null : this.ajv.errorsText(validate.errors, { separator: '\n' });
  }
}
