/** A two-column table of names and values, shown as text (values that are not strings as JSON). */
export function KeyValues({ data, testId }: { data: Record<string, unknown>; testId?: string }) {
  const entries = Object.entries(data);
  if (entries.length === 0) return <p className="muted">None.</p>;
  return (
    <table className="kv" data-testid={testId}>
      <tbody>
        {entries.map(([k, v]) => (
          <tr key={k}>
            <th className="mono">{k}</th>
            <td className="mono">{typeof v === 'string' ? v : JSON.stringify(v)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
