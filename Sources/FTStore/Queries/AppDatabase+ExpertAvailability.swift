internal import GRDB

extension AppDatabase {
    /// The slugs of the published experts whose open dossiers (offered, accepted, under way)
    /// have reached their capacity: the rules offer them nothing more, and the app does not
    /// recommend them.
    public func expertsAtCapacity() throws -> [String] {
        try writer.read { db in
            try String.fetchAll(db, sql: """
                SELECT e.slug FROM (
                    SELECT expertId, count(*) AS open FROM expertAssignment WHERE status IN ('pending', 'assigned', 'in_progress') GROUP BY expertId
                ) o JOIN expert e ON e.id = o.expertId JOIN user u ON u.id = e.userId
                WHERE o.open >= e.capacity AND e.approval = 'approved' AND e.active = 1 AND u.active = 1 AND u.deletedAt IS NULL
                ORDER BY e.slug
                """)
        }
    }
}
