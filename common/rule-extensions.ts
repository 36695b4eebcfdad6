/**
 * Rules added to the built-in catalogue from modules named by LINKAGE_RULES_MODULES (docs/linkage-rules.md):
 * each exports `rules` (catalogue records), and optionally `documents` (new document kinds) and
 * `payloadSchemas` (zod schemas of new event types' payloads). Read and checked once at start: a module
 * that is missing, malformed or inconsistent with the catalogue stops the worker with a message naming it.
 */
import path from 'node:path';
import { z } from 'zod';
import { BUILTIN_CATALOGUE, extendCatalogue, type Catalogue, type LinkageRule, type Template } from './catalogue';
import { isRuleName } from './rules';

/** What a rules module exports. */
export interface RuleExtension {
  rules: LinkageRule[];
  documents?: Catalogue['documents'];
  payloadSchemas?: Record<string, z.ZodTypeAny>;
}

/** The catalogue a worker serves and the payload schemas of the event types its added rules bring. */
export interface RuntimeCatalogue {
  catalogue: Catalogue;
  payloadSchemas: Record<string, z.ZodTypeAny>;
}

const TemplateSchema: z.ZodType<Template> = z.lazy(() =>
  z.union([
    z.string(),
    z.number(),
    z.boolean(),
    z.null(),
    z.object({ $: z.string().min(1), default: TemplateSchema.optional() }).strict(),
    z.object({ format: z.string() }).strict(),
    z.object({ step: z.string().min(1), field: z.string().min(1), default: TemplateSchema.optional() }).strict(),
    z.array(TemplateSchema),
    z.record(TemplateSchema),
  ]),
);
const name = z.string().regex(/^[a-z0-9-]{1,60}$/, 'lower-case letters, digits and dashes');
const ruleName = z
  .string()
  .refine(isRuleName, 'must be one of the rules (crm-to-erp, erp-to-srm, all-to-oa, all-to-datalake)');
const RuleSchema = z
  .object({
    eventType: z.string().regex(/^[a-z0-9_]+(\.[a-z0-9_]+)+$/, 'must look like <cell>.<entity>.<action>'),
    workflow: z.string().min(1).optional(),
    lakeTable: z
      .string()
      .regex(/^[a-z0-9_]{1,60}$/)
      .optional(),
    document: z.object({ kind: z.string(), id: TemplateSchema }).strict().optional(),
    keys: z.array(z.object({ cell: TemplateSchema, type: TemplateSchema, id: TemplateSchema }).strict()),
    steps: z.array(
      z
        .object({
          name,
          title: z.string().min(1).max(200),
          rule: ruleName,
          creates: z.string().min(1),
          body: TemplateSchema,
          source: z.record(TemplateSchema).optional(),
          recheckSource: z.string().optional(),
          whileHeld: z.string().optional(),
        })
        .strict(),
    ),
    customSteps: z.array(z.object({ name, title: z.string().min(1), rule: ruleName }).strict()).optional(),
    summary: z.string().min(1).max(300),
  })
  .strict();
const ExtensionSchema = z.object({
  rules: z.array(RuleSchema),
  documents: z
    .record(
      z
        .object({
          list: z.string().startsWith('/api/v1/'),
          statusField: z.string().min(1),
          withdrawn: z.boolean().optional(),
        })
        .strict(),
    )
    .optional(),
  payloadSchemas: z.record(z.custom<z.ZodTypeAny>((v) => v instanceof z.ZodType, 'must be a zod schema')).optional(),
});

/** The built-in catalogue plus the rules of LINKAGE_RULES_MODULES (comma-separated module paths). */
export function loadRuleCatalogue(modules: string[], cwd = process.cwd()): RuntimeCatalogue {
  let catalogue = BUILTIN_CATALOGUE;
  const payloadSchemas: Record<string, z.ZodTypeAny> = {};
  for (const m of modules) {
    const file = path.resolve(cwd, m);
    let exported: unknown;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a module named by the configuration
      exported = require(file);
    } catch (err) {
      throw new Error(`LINKAGE_RULES_MODULES: ${m} could not be loaded: ${(err as Error).message}`);
    }
    const parsed = ExtensionSchema.safeParse(exported);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(module)'}: ${i.message}`);
      throw new Error(`LINKAGE_RULES_MODULES: ${m} is not a rules module:\n  - ${issues.join('\n  - ')}`);
    }
    const ext = parsed.data as RuleExtension;
    try {
      catalogue = extendCatalogue(catalogue, ext);
    } catch (err) {
      throw new Error(`LINKAGE_RULES_MODULES: ${m}: ${(err as Error).message}`);
    }
    for (const r of ext.rules) {
      const schema = ext.payloadSchemas?.[r.eventType];
      if (schema) payloadSchemas[r.eventType] = schema;
      else if (!BUILTIN_CATALOGUE.rules[r.eventType]) {
        throw new Error(
          `LINKAGE_RULES_MODULES: ${m}: ${r.eventType} is a new event type: give its payloadSchemas entry`,
        );
      }
    }
  }
  return { catalogue, payloadSchemas };
}
