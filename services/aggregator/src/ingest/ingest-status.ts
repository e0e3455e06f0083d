import type { PlaceIngest } from "@biometricflow/proto";

/** What GetIngestStatus reports: per place, connection, offsets and the last problem. */
export class IngestStatusBoard {
  private readonly places = new Map<string, PlaceIngest>();

  constructor(targets: readonly { id: string; grpc: string }[]) {
    for (const t of targets) {
      this.places.set(t.id, {
        placeId: t.id,
        address: t.grpc,
        connected: false,
        committedOffset: 0,
        receivedOffset: 0,
        headOffset: 0,
        lastError: "",
        journalId: "",
      });
    }
  }

  update(placeId: string, change: Partial<Omit<PlaceIngest, "placeId" | "address">>): void {
    const p = this.places.get(placeId);
    if (p) Object.assign(p, change);
  }

  snapshot(): PlaceIngest[] {
    return [...this.places.values()].map((p) => ({ ...p }));
  }
}
