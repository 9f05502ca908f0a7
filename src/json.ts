// JSON values as payloads carry them and jsonb columns store them. A leaf both mappers and db import
// (src/db/schema.ts is generated and keeps its own identical copy).

export type JsonPrimitive = boolean | number | string | null;

export type JsonArray = JsonValue[];

export type JsonObject = {
  [x: string]: JsonValue | undefined;
};

export type JsonValue = JsonArray | JsonObject | JsonPrimitive;
