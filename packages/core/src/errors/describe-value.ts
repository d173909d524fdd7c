/**
 * Quotes a value the way p-queue does: `-1` (number). Numbers JSON cannot show
 * (NaN, Infinity) are shown as themselves, never as `null`; long values are cut.
 */
export function describeValue(value: unknown): string {
  const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  let shown = '';
  switch (typeof value) {
    case 'number':
      shown = Object.is(value, -0) ? '-0' : String(value);
      break;
    case 'bigint':
      shown = `${value}n`;
      break;
    case 'function':
      shown = `[function ${value.name || 'anonymous'}]`;
      break;
    case 'symbol':
    case 'undefined':
      shown = String(value);
      break;
    case 'boolean':
    case 'object':
    case 'string':
      shown = safeJson(value);
  }
  if (shown.length > 80) shown = `${shown.slice(0, 77)}...`;
  return `\`${shown}\` (${type})`;
}

function safeJson(value: unknown): string {
  try {
    return (
      JSON.stringify(value, (_key, inner: unknown) => (typeof inner === 'number' && !Number.isFinite(inner) ? String(inner) : inner)) ??
      String(value)
    );
  } catch {
    return String(value);
  }
}
