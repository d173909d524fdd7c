/** min / median / max of some values, each formatted. */
export function spread(values: readonly number[], format: (value: number) => string): string {
  const sorted = [...values].sort((a, b) => a - b);
  const median =
    sorted.length % 2 === 1
      ? (sorted[(sorted.length - 1) / 2] as number)
      : ((sorted[sorted.length / 2 - 1] as number) + (sorted[sorted.length / 2] as number)) / 2;
  return `${format(sorted[0] ?? 0)}/${format(median)}/${format(sorted.at(-1) ?? 0)}`;
}
