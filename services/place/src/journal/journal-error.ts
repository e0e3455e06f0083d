/** The journal cannot be used (in use elsewhere, unreadable, from a newer build): stop with this message. */
export class JournalError extends Error {
  override name = "JournalError";
}
