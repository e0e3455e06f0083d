/** From `from` on (the place's date it happened), the person is expected at work or not. */
export interface MembershipChange {
  userId: string;
  from: string;
  expected: boolean;
}

/**
 * Who a place expects on each day: a person is expected from the day they were listed (enabled)
 * until the day they were removed or disabled; that day itself follows the change. Before their
 * first change a person is not expected. Of several changes on one date the last wins.
 */
export class Membership {
  private readonly byUser = new Map<string, { from: string; expected: boolean }[]>();

  /** `changes` in the order they happened. */
  constructor(changes: readonly MembershipChange[]) {
    for (const c of changes) {
      let list = this.byUser.get(c.userId);
      if (!list) this.byUser.set(c.userId, (list = []));
      const same = list.findIndex((x) => x.from === c.from);
      if (same >= 0) list.splice(same, 1);
      list.push({ from: c.from, expected: c.expected });
    }
    for (const list of this.byUser.values())
      list.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
  }

  expectedOn(userId: string, date: string): boolean {
    let expected = false;
    for (const c of this.byUser.get(userId) ?? []) {
      if (c.from > date) break;
      expected = c.expected;
    }
    return expected;
  }

  /**
   * expectedOn(userId, days[d]) for every d (consecutive dates, oldest first), written to
   * out[offset + d * stride]: one walk through the person's changes instead of one per day.
   */
  fillExpected(
    userId: string,
    days: readonly string[],
    out: Uint8Array,
    offset: number,
    stride: number,
  ): void {
    const list = this.byUser.get(userId) ?? [];
    let next = 0;
    let expected = false;
    days.forEach((date, d) => {
      while (next < list.length && list[next]!.from <= date) expected = list[next++]!.expected;
      out[offset + d * stride] = expected ? 1 : 0;
    });
  }

  /** Everyone expected on some day from..to. */
  expectedDuring(from: string, to: string): string[] {
    const out: string[] = [];
    for (const [userId, list] of this.byUser) {
      let expected = false;
      for (const c of list) {
        if (c.from > to) break;
        if (c.from <= from) expected = c.expected;
        else if (c.expected) expected = true;
      }
      if (expected) out.push(userId);
    }
    return out;
  }
}
