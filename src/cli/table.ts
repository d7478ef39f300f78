/** Left-aligned columns, each at least `min` wide (the seed's `NAME                TYPE` look). */
export function table(header: string[], rows: string[][], min = 20): string {
  const widths = header.map((h, i) =>
    Math.max(min, h.length + 1, ...rows.map((r) => (r[i] ?? '').length + 1)),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? min)))
      .join('')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}
