// A tiny trend line for a table row (plain SVG: dozens of rows would be heavy as Recharts charts).
// Decorative: the row's numbers are its text.
export function Sparkline({
  values,
  width = 96,
  height = 24,
}: {
  values: readonly number[];
  width?: number;
  height?: number;
}) {
  if (values.length < 2) return <svg width={width} height={height} aria-hidden="true" />;
  const max = Math.max(1, ...values);
  const step = width / (values.length - 1);
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(height - 2 - (v / max) * (height - 4)).toFixed(1)}`);
  return (
    <svg className="sparkline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} aria-hidden="true">
      <polyline points={`0,${height} ${points.join(" ")} ${width},${height}`} className="spark-fill" />
      <polyline points={points.join(" ")} className="spark-line" />
    </svg>
  );
}
