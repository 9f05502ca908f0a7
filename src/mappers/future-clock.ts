// A record's `updated_at` held to "now plus a skew margin": the newer-wins guard trusts the remote
// clock, so one far-future value (a bad import, `9999999999` in a delivery) would otherwise make a
// row older than nothing that ever comes after it (docs/design.md#principle-2).

/**
 * `row` with `updated_at` no later than `latestMs` (whole seconds), or `row` itself when it is not.
 * @example const row = clampUpdatedAt(mapped.row, clock.now() + 300_000);
 */
export function clampUpdatedAt<Row extends { readonly updated_at: Date | null }>(
  row: Row,
  latestMs: number,
): Row {
  const at = row.updated_at;
  if (at === null || at.getTime() <= latestMs) return row;
  return { ...row, updated_at: new Date(Math.floor(latestMs / 1000) * 1000) };
}
