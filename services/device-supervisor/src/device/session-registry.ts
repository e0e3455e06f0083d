/**
 * One session per device address across the whole process. A device often accepts a single TCP
 * client (node-zklib #8); two sessions to one address mean a duplicate assignment or an old actor
 * still closing, and the newcomer should back off rather than fight it.
 */
export class SessionRegistry {
  private readonly holders = new Map<string, string>();

  /** Claim `address` for `holder`; returns a release function, or throws naming the holder. */
  claim(address: string, holder: string): () => void {
    const current = this.holders.get(address);
    if (current !== undefined && current !== holder) {
      throw new Error(`${address} already has a session (device ${current}); one connection per device`);
    }
    this.holders.set(address, holder);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (this.holders.get(address) === holder) this.holders.delete(address);
    };
  }
}
