import type { Database, Statement } from "better-sqlite3";

export interface UserRow {
  userId: string;
  name: string;
  privilege: number;
  card: number;
  disabled: boolean;
  updatedAtMs: number;
}

type DbUser = Omit<UserRow, "disabled"> & { disabled: number };
const COLUMNS = `user_id AS userId, name, privilege, card, disabled, updated_at_ms AS updatedAtMs`;
const fromDb = (u: DbUser): UserRow => ({ ...u, disabled: u.disabled !== 0 });

/** People of the place. The password column is write-only: only passwordOf reads it, for devices. */
export class UserTable {
  private readonly selectAll: Statement<[], DbUser>;
  private readonly selectOne: Statement<[string], DbUser>;
  private readonly selectPassword: Statement<[string], string>;
  private readonly upsertRow: Statement;
  private readonly deleteRow: Statement<[string]>;

  constructor(db: Database) {
    this.selectAll = db.prepare<[], DbUser>(`SELECT ${COLUMNS} FROM users ORDER BY user_id`);
    this.selectOne = db.prepare<[string], DbUser>(`SELECT ${COLUMNS} FROM users WHERE user_id = ?`);
    this.selectPassword = db
      .prepare<[string], string>(`SELECT password FROM users WHERE user_id = ?`)
      .pluck();
    // An empty password keeps the stored one: proto3 cannot tell "unchanged" from "empty".
    this.upsertRow = db.prepare(`
      INSERT INTO users (user_id, name, privilege, card, disabled, password, updated_at_ms)
      VALUES (@userId, @name, @privilege, @card, @disabled, @password, @updatedAtMs)
      ON CONFLICT (user_id) DO UPDATE SET name = excluded.name, privilege = excluded.privilege,
        card = excluded.card, disabled = excluded.disabled, updated_at_ms = excluded.updated_at_ms,
        password = CASE WHEN excluded.password = '' THEN users.password ELSE excluded.password END`);
    this.deleteRow = db.prepare<[string]>(`DELETE FROM users WHERE user_id = ?`);
  }

  list(): UserRow[] {
    return this.selectAll.all().map(fromDb);
  }

  get(userId: string): UserRow | undefined {
    const row = this.selectOne.get(userId);
    return row && fromDb(row);
  }

  passwordOf(userId: string): string {
    return this.selectPassword.get(userId) ?? "";
  }

  upsert(user: UserRow, password: string): void {
    this.upsertRow.run({ ...user, disabled: user.disabled ? 1 : 0, password });
  }

  /** True when the user existed. */
  delete(userId: string): boolean {
    return this.deleteRow.run(userId).changes === 1;
  }
}
