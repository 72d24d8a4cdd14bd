internal import GRDB

extension Schema {
    /// Operation ids belong to the user who sent them: a retry is the same user's same id, and
    /// another user's operation with that id is a clash, not a retry. The log (`syncChange.actorId`)
    /// and the refusals (`syncRejection.userId`) already name the user; `syncCompacted` now does
    /// too. Rows compacted before this migration keep no user (`NULL`): a retry of one is still
    /// answered as before.
    static func recordOperationOwners(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE syncCompacted ADD COLUMN actorId INTEGER")
    }
}
