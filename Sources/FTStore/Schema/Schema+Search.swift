internal import GRDB

extension Schema {
    /// Full-text search over expert profiles and messages (FTS5, accent-insensitive), kept in step
    /// with their tables by triggers. A deleted message leaves the message index.
    static func createSearch(_ db: Database) throws {
        try db.execute(sql: """
            CREATE VIRTUAL TABLE expertSearch USING fts5(
                firstName, lastName, company, headline, city, region, bioMarkdown,
                content='expert', content_rowid='id',
                tokenize='unicode61 remove_diacritics 2'
            );
            CREATE TRIGGER expert_search_insert AFTER INSERT ON expert BEGIN
                INSERT INTO expertSearch(rowid, firstName, lastName, company, headline, city, region, bioMarkdown)
                VALUES (new.id, new.firstName, new.lastName, new.company, new.headline, new.city, new.region, new.bioMarkdown);
            END;
            CREATE TRIGGER expert_search_delete AFTER DELETE ON expert BEGIN
                INSERT INTO expertSearch(expertSearch, rowid, firstName, lastName, company, headline, city, region, bioMarkdown)
                VALUES ('delete', old.id, old.firstName, old.lastName, old.company, old.headline, old.city, old.region, old.bioMarkdown);
            END;
            CREATE TRIGGER expert_search_update AFTER UPDATE OF firstName, lastName, company, headline, city, region, bioMarkdown ON expert BEGIN
                INSERT INTO expertSearch(expertSearch, rowid, firstName, lastName, company, headline, city, region, bioMarkdown)
                VALUES ('delete', old.id, old.firstName, old.lastName, old.company, old.headline, old.city, old.region, old.bioMarkdown);
                INSERT INTO expertSearch(rowid, firstName, lastName, company, headline, city, region, bioMarkdown)
                VALUES (new.id, new.firstName, new.lastName, new.company, new.headline, new.city, new.region, new.bioMarkdown);
            END;

            CREATE VIRTUAL TABLE messageSearch USING fts5(
                body,
                content='message', content_rowid='rowid',
                tokenize='unicode61 remove_diacritics 2'
            );
            CREATE TRIGGER message_search_insert AFTER INSERT ON message WHEN new.deletedAt IS NULL BEGIN
                INSERT INTO messageSearch(rowid, body) VALUES (new.rowid, new.body);
            END;
            CREATE TRIGGER message_search_delete AFTER DELETE ON message WHEN old.deletedAt IS NULL BEGIN
                INSERT INTO messageSearch(messageSearch, rowid, body) VALUES ('delete', old.rowid, old.body);
            END;
            CREATE TRIGGER message_search_update_old AFTER UPDATE OF body, deletedAt ON message WHEN old.deletedAt IS NULL BEGIN
                INSERT INTO messageSearch(messageSearch, rowid, body) VALUES ('delete', old.rowid, old.body);
            END;
            CREATE TRIGGER message_search_update_new AFTER UPDATE OF body, deletedAt ON message WHEN new.deletedAt IS NULL BEGIN
                INSERT INTO messageSearch(rowid, body) VALUES (new.rowid, new.body);
            END;
            """)
    }
}
