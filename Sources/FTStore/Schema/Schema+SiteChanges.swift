internal import GRDB

extension Schema {
    /// What the public site must rebuild: triggers note every write that changes what a published
    /// expert's pages show, whatever wrote it (sync, admin, import), so that `ft generate` finds
    /// the experts to re-render without reading the whole database.
    ///
    /// `kind` is `rating` (the expert's reviews changed), `profile` (what the expert's pages show
    /// changed, but not where the expert appears: bio, headline, rates, completed assignments) or
    /// `structure` (the expert appears, disappears or moves: name, place, publication,
    /// specialties, products — the generator then rebuilds everything). `expertId` is NULL for a
    /// product. No foreign key: the change outlives a deleted expert. `siteEpoch` holds one random
    /// value per database file, so that a site built from another file is never updated as if
    /// it came from this one.
    static func createSiteChanges(_ db: Database) throws {
        let structural = ["userId", "slug", "firstName", "lastName", "city", "region", "postcode", "latitude", "longitude", "approval", "approvedAt", "active"]
            .map { "OLD.\($0) IS NOT NEW.\($0)" }.joined(separator: " OR ")
        try db.execute(sql: """
            CREATE TABLE siteEpoch (epoch TEXT NOT NULL);
            INSERT INTO siteEpoch (epoch) VALUES (lower(hex(randomblob(16))));

            CREATE TABLE siteChange (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                expertId INTEGER,
                kind TEXT NOT NULL
            );

            CREATE TRIGGER siteChange_rating_insert AFTER INSERT ON rating BEGIN
                INSERT INTO siteChange (expertId, kind) VALUES (NEW.expertId, 'rating');
            END;
            CREATE TRIGGER siteChange_rating_update AFTER UPDATE ON rating BEGIN
                INSERT INTO siteChange (expertId, kind) VALUES (NEW.expertId, 'rating');
                INSERT INTO siteChange (expertId, kind) SELECT OLD.expertId, 'rating' WHERE OLD.expertId IS NOT NEW.expertId;
            END;
            CREATE TRIGGER siteChange_rating_delete AFTER DELETE ON rating BEGIN
                INSERT INTO siteChange (expertId, kind) VALUES (OLD.expertId, 'rating');
            END;

            CREATE TRIGGER siteChange_expert_insert AFTER INSERT ON expert BEGIN
                INSERT INTO siteChange (expertId, kind) VALUES (NEW.id, 'structure');
            END;
            CREATE TRIGGER siteChange_expert_delete AFTER DELETE ON expert BEGIN
                INSERT INTO siteChange (expertId, kind) VALUES (OLD.id, 'structure');
            END;
            CREATE TRIGGER siteChange_expert_moves AFTER UPDATE ON expert WHEN \(structural) BEGIN
                INSERT INTO siteChange (expertId, kind) VALUES (NEW.id, 'structure');
            END;
            CREATE TRIGGER siteChange_expert_profile AFTER UPDATE ON expert WHEN NOT (\(structural)) BEGIN
                INSERT INTO siteChange (expertId, kind) VALUES (NEW.id, 'profile');
            END;

            CREATE TRIGGER siteChange_specialty_insert AFTER INSERT ON expertSpecialty BEGIN
                INSERT INTO siteChange (expertId, kind) VALUES (NEW.expertId, 'structure');
            END;
            CREATE TRIGGER siteChange_specialty_update AFTER UPDATE ON expertSpecialty BEGIN
                INSERT INTO siteChange (expertId, kind) VALUES (NEW.expertId, 'structure');
            END;
            CREATE TRIGGER siteChange_specialty_delete AFTER DELETE ON expertSpecialty BEGIN
                INSERT INTO siteChange (expertId, kind) VALUES (OLD.expertId, 'structure');
            END;

            CREATE TRIGGER siteChange_user_update AFTER UPDATE OF active, role ON user BEGIN
                INSERT INTO siteChange (expertId, kind) SELECT id, 'structure' FROM expert WHERE userId = NEW.id;
            END;

            CREATE TRIGGER siteChange_product_insert AFTER INSERT ON eligibleProduct BEGIN
                INSERT INTO siteChange (expertId, kind) VALUES (NULL, 'structure');
            END;
            CREATE TRIGGER siteChange_product_update AFTER UPDATE ON eligibleProduct BEGIN
                INSERT INTO siteChange (expertId, kind) VALUES (NULL, 'structure');
            END;
            CREATE TRIGGER siteChange_product_delete AFTER DELETE ON eligibleProduct BEGIN
                INSERT INTO siteChange (expertId, kind) VALUES (NULL, 'structure');
            END;

            CREATE TRIGGER siteChange_assignment_insert AFTER INSERT ON expertAssignment WHEN NEW.status = 'completed' BEGIN
                INSERT INTO siteChange (expertId, kind) VALUES (NEW.expertId, 'profile');
            END;
            CREATE TRIGGER siteChange_assignment_update AFTER UPDATE OF status, expertId ON expertAssignment
                WHEN (OLD.status = 'completed' OR NEW.status = 'completed') AND (OLD.status IS NOT NEW.status OR OLD.expertId IS NOT NEW.expertId) BEGIN
                INSERT INTO siteChange (expertId, kind) VALUES (NEW.expertId, 'profile');
                INSERT INTO siteChange (expertId, kind) SELECT OLD.expertId, 'profile' WHERE OLD.expertId IS NOT NEW.expertId;
            END;
            CREATE TRIGGER siteChange_assignment_delete AFTER DELETE ON expertAssignment WHEN OLD.status = 'completed' BEGIN
                INSERT INTO siteChange (expertId, kind) VALUES (OLD.expertId, 'profile');
            END;
            """)
    }
}
