/** Orders row ids (bigints as decimal strings, no sign) numerically. */
export function compareRowIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
