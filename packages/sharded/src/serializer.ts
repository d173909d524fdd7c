/** Turns requests into the strings storages keep, and back. */
export interface Serializer {
  /** Must return the same string for equal requests: `ifNotExists` compares these strings. */
  serialize(request: unknown): string;
  deserialize(message: string): unknown;
}

/** Requests as JSON (the original stored JSON too); a request must be JSON data. */
export const jsonSerializer: Serializer = Object.freeze({
  serialize: (request: unknown): string => JSON.stringify(request),
  deserialize: (message: string): unknown => JSON.parse(message) as unknown,
});
