import { z } from "zod";

/** A JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1) as plain JSON. */
export type JsonSchema = Record<string, unknown>;

/** An OpenAPI 3.1 parameter object. */
export interface OpenApiParameter {
  name: string;
  in: "path" | "query";
  required: boolean;
  schema: JsonSchema;
  description?: string;
  deprecated?: boolean;
}

/** A property's description and deprecation, where OpenAPI tools look for them: on the parameter. */
function annotations(schema: JsonSchema): Pick<OpenApiParameter, "description" | "deprecated"> {
  return {
    ...(typeof schema.description === "string" ? { description: schema.description } : {}),
    ...(schema.deprecated === true ? { deprecated: true } : {}),
  };
}

/**
 * The JSON Schema of what a zod schema accepts (its input side: before coercion, defaults and
 * transforms), so the document describes what a client sends. Checks zod cannot express in JSON
 * Schema (refinements, transforms) are left out rather than failing: the route still runs them.
 */
export function jsonSchemaOf(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io: "input",
    unrepresentable: "any",
  }) as JsonSchema;
  return rest;
}

/**
 * The JSON Schema of what a zod schema produces (its output side): for what the API answers.
 * Objects come out closed (`additionalProperties: false`), as zod strips unknown keys on output.
 */
export function responseSchemaOf(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io: "output",
    unrepresentable: "any",
  }) as JsonSchema;
  return rest;
}

/**
 * An object schema with properties added (and, when asked, some no longer required): for the
 * fields a route reads beside the schema it validates with, like a body's `project`.
 */
export function withProperties(
  schema: JsonSchema,
  extra: Record<string, JsonSchema>,
  optional: readonly string[] = [],
): JsonSchema {
  const properties = { ...(schema.properties as Record<string, JsonSchema>), ...extra };
  const required = ((schema.required as string[] | undefined) ?? []).filter(
    (name) => !optional.includes(name),
  );
  const { required: _required, ...base } = schema;
  return { ...base, properties, ...(required.length > 0 ? { required } : {}) };
}

/** `/v1/alert-rules/:name` as OpenAPI writes it, `/v1/alert-rules/{name}`, and its parameters. */
export function openApiPath(fastifyPath: string): { path: string; params: string[] } {
  const params: string[] = [];
  const path = fastifyPath.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => {
    params.push(name);
    return `{${name}}`;
  });
  return { path, params };
}

/**
 * The parameters of an operation: each property of the query schema (an object schema) is a
 * query parameter, except those the path holds, which are path parameters (always required).
 * A path parameter the schema does not describe is a plain string. A property's description and
 * `deprecated` (zod's `.meta()`) are the parameter's too.
 */
export function parametersOf(
  query: z.ZodType | undefined,
  pathParams: readonly string[],
): OpenApiParameter[] {
  const schema = query ? jsonSchemaOf(query) : {};
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const inPath = pathParams.map((name) => ({
    name,
    in: "path" as const,
    required: true,
    schema: properties[name] ?? { type: "string" },
  }));
  const inQuery = Object.entries(properties)
    .filter(([name]) => !pathParams.includes(name))
    .map(([name, propertySchema]) => ({
      name,
      in: "query" as const,
      required: required.has(name),
      ...annotations(propertySchema),
      schema: propertySchema,
    }));
  return [...inPath, ...inQuery];
}
