/** A plain-text table with padded columns and a dashed rule under the header (demo and bench output). */
export function textTable(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map(r => (r[c] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((v, c) => (v ?? '').padEnd(widths[c]))
      .join('  ')
      .trimEnd();
  return [line(rows[0]), widths.map(w => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}
