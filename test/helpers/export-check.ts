// Compares what a destination holds with what the source has: lost logs and duplicates, counted.
export interface DeliveryCheck {
  sourceCount: number;
  receivedCount: number;
  unique: number;
  missing: string[];
  duplicates: number;
}

export function checkDelivery(sourceIds: readonly string[], receivedIds: readonly string[]): DeliveryCheck {
  const seen = new Map<string, number>();
  for (const id of receivedIds) seen.set(id, (seen.get(id) ?? 0) + 1);
  const missing = sourceIds.filter((id) => !seen.has(id));
  return {
    sourceCount: sourceIds.length,
    receivedCount: receivedIds.length,
    unique: seen.size,
    missing,
    duplicates: receivedIds.length - seen.size,
  };
}

export function idsOf(events: readonly unknown[]): string[] {
  return events.map((e) => String((e as { log_id?: unknown }).log_id));
}
