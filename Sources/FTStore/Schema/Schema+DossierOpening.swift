internal import Foundation
internal import GRDB
internal import FTModel

extension Schema {
    /// What opening a dossier in the product needs (`DossierOpening`):
    ///
    /// - `eligibleProduct.eligibilityQuestions`: the scheme's questions (`EligibilityQuestion`, JSON).
    /// - `workflowTemplate`: each scheme's steps, versioned (a new dossier takes the newest
    ///   version; one in progress keeps its own). Every scheme starts with the five steps every
    ///   dossier had (`WorkflowTemplate.standard`) as version 1.
    /// - `dossier`: the request it was opened from (`requestId`, the device-made record id), the
    ///   client's description and answers, why it is ineligible, the template version, the
    ///   expert the client asked for.
    /// - `dossierStep`: its title, the positions it waits for and the document categories it needs.
    /// - `dossierEvent`: the dossier's history in sentences ("Proposé à …", "Accepté par …").
    /// - CHECKs widened in place (`loosenChecks`): `syncChange.collection` takes `dossier` and
    ///   `offer`; the notification kinds take `step_changed`.
    /// - Routing (`ExpertRouting`): each scheme's `offerHours` (how long an offer waits) and
    ///   `routingDistanceKm` (how far outside the client's region an expert may be), each expert's
    ///   `capacity` (open assignments at most), each client's coordinates (from its postcode), and
    ///   when an offer made by the product lapses (`expertAssignment.offerExpiresAt`; offers made
    ///   before, as the seed's, never do).
    static func addDossierOpening(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE eligibleProduct ADD COLUMN eligibilityQuestions TEXT NOT NULL DEFAULT '[]'
                CONSTRAINT eligible_product_questions CHECK (json_valid(eligibilityQuestions) AND json_type(eligibilityQuestions) = 'array');
            ALTER TABLE eligibleProduct ADD COLUMN offerHours INTEGER NOT NULL DEFAULT 48
                CONSTRAINT eligible_product_offer_hours CHECK (offerHours BETWEEN 1 AND 720);
            ALTER TABLE eligibleProduct ADD COLUMN routingDistanceKm INTEGER NOT NULL DEFAULT 150
                CONSTRAINT eligible_product_routing_distance CHECK (routingDistanceKm BETWEEN 0 AND 1500);
            ALTER TABLE expertAssignment ADD COLUMN offerExpiresAt DATETIME;
            -- An expert's load and last offer, read from the index alone when dossiers are routed.
            DROP INDEX expertAssignment_expertId;
            CREATE INDEX expertAssignment_expertId ON expertAssignment(expertId, status, requestedAt);
            CREATE INDEX expertAssignment_offerExpiresAt ON expertAssignment(offerExpiresAt) WHERE status = 'pending' AND offerExpiresAt IS NOT NULL;
            ALTER TABLE expert ADD COLUMN capacity INTEGER NOT NULL DEFAULT 10 CONSTRAINT expert_capacity CHECK (capacity BETWEEN 1 AND 500);
            -- What routing filters on, narrow: its look-ups of a scheme's experts read this, not the wide rows (0.4 ms, not 1.1, for 1,119 of 10,000).
            CREATE INDEX expert_routing ON expert(id, approval, active, region, latitude, longitude, capacity, userId);
            ALTER TABLE client ADD COLUMN latitude REAL CONSTRAINT client_latitude CHECK (latitude IS NULL OR latitude BETWEEN -90 AND 90);
            ALTER TABLE client ADD COLUMN longitude REAL CONSTRAINT client_longitude CHECK (longitude IS NULL OR longitude BETWEEN -180 AND 180);

            CREATE TABLE workflowTemplate (
                id INTEGER PRIMARY KEY,
                productId INTEGER NOT NULL REFERENCES eligibleProduct(id) ON DELETE CASCADE,
                version INTEGER NOT NULL CONSTRAINT workflow_template_version CHECK (version >= 1),
                steps TEXT NOT NULL CONSTRAINT workflow_template_steps CHECK (json_valid(steps) AND json_type(steps) = 'array' AND json_array_length(steps) >= 1),
                createdAt DATETIME NOT NULL,
                createdBy INTEGER REFERENCES user(id) ON DELETE SET NULL,
                CONSTRAINT workflow_template_version_unique UNIQUE (productId, version)
            );
            CREATE INDEX workflowTemplate_createdBy ON workflowTemplate(createdBy);

            ALTER TABLE dossier ADD COLUMN requestId TEXT CONSTRAINT dossier_request_id CHECK (requestId IS NULL OR length(requestId) BETWEEN 1 AND 64);
            ALTER TABLE dossier ADD COLUMN description TEXT NOT NULL DEFAULT '' CONSTRAINT dossier_description CHECK (length(description) <= 5000);
            ALTER TABLE dossier ADD COLUMN answers TEXT NOT NULL DEFAULT '{}' CONSTRAINT dossier_answers CHECK (json_valid(answers) AND json_type(answers) = 'object');
            ALTER TABLE dossier ADD COLUMN ineligibleReasons TEXT NOT NULL DEFAULT '[]' CONSTRAINT dossier_ineligible_reasons CHECK (json_valid(ineligibleReasons) AND json_type(ineligibleReasons) = 'array');
            ALTER TABLE dossier ADD COLUMN templateVersion INTEGER CONSTRAINT dossier_template_version CHECK (templateVersion IS NULL OR templateVersion >= 1);
            ALTER TABLE dossier ADD COLUMN requestedExpertId INTEGER REFERENCES expert(id) ON DELETE RESTRICT;
            CREATE UNIQUE INDEX dossier_requestId ON dossier(requestId) WHERE requestId IS NOT NULL;
            CREATE INDEX dossier_requestedExpertId ON dossier(requestedExpertId) WHERE requestedExpertId IS NOT NULL;

            ALTER TABLE dossierStep ADD COLUMN title TEXT CONSTRAINT dossier_step_title CHECK (title IS NULL OR length(title) BETWEEN 1 AND 200);
            ALTER TABLE dossierStep ADD COLUMN dependsOn TEXT NOT NULL DEFAULT '[]' CONSTRAINT dossier_step_depends_on CHECK (json_valid(dependsOn) AND json_type(dependsOn) = 'array');
            ALTER TABLE dossierStep ADD COLUMN documents TEXT NOT NULL DEFAULT '[]' CONSTRAINT dossier_step_documents CHECK (json_valid(documents) AND json_type(documents) = 'array');

            CREATE TABLE dossierEvent (
                id INTEGER PRIMARY KEY,
                dossierId INTEGER NOT NULL REFERENCES dossier(id) ON DELETE CASCADE,
                kind TEXT NOT NULL CONSTRAINT dossier_event_kind CHECK (kind IN ('opened', 'offered', 'accepted', 'declined', 'expired', 'reassigned', 'cancelled', 'waiting', 'completed')),
                text TEXT NOT NULL CONSTRAINT dossier_event_text CHECK (length(text) BETWEEN 1 AND 1000),
                actorId INTEGER REFERENCES user(id) ON DELETE SET NULL,
                createdAt DATETIME NOT NULL
            );
            CREATE INDEX dossierEvent_dossierId ON dossierEvent(dossierId, createdAt);
            CREATE INDEX dossierEvent_actorId ON dossierEvent(actorId) WHERE actorId IS NOT NULL;
            """)
        try loosenChecks(db, [
            // The log takes the new collections.
            ("syncChange", "OR collection = 'step' OR collection = 'preference')",
             "OR collection = 'step' OR collection = 'preference' OR collection = 'dossier' OR collection = 'offer')"),
            // A step moved by someone else is told to the dossier's other participants (`step_changed`).
            ("notification", "'report_monthly', 'announcement')", "'report_monthly', 'announcement', 'step_changed')"),
            ("notificationPreference", "'report_monthly', 'announcement')", "'report_monthly', 'announcement', 'step_changed')"),
        ])
        // Every scheme's first version: the five steps of the dossiers made so far.
        let products = try Row.fetchAll(db, sql: "SELECT id, slaDays FROM eligibleProduct")
        let now = Date()
        for product in products {
            try db.execute(
                sql: "INSERT INTO workflowTemplate (productId, version, steps, createdAt) VALUES (?, 1, ?, ?)",
                arguments: [product["id"] as Int64, try WorkflowTemplate.standard(slaDays: product["slaDays"]).stepsJSON(), now]
            )
        }
    }
}

extension Schema {
    /// CHECKs that accept more than before: only their text changes, and every row stays valid,
    /// so SQLite's documented simpler procedure for such a change applies (edit each table's SQL
    /// in `sqlite_schema`, bump `schema_version` once, check integrity) instead of rebuilding the
    /// tables — `syncChange` holds every change of the log, with three indexes.
    static func loosenChecks(_ db: Database, _ changes: [(table: String, old: String, new: String)]) throws {
        var edited: [(String, String)] = []
        for change in changes {
            guard let sql = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?", arguments: [change.table]),
                sql.contains(change.old)
            else {
                throw StoreError.constraintViolated(table: change.table, constraint: "check", detail: "the table's CHECK is not the one this migration widens (\(change.old))")
            }
            edited.append((change.table, sql.replacingOccurrences(of: change.old, with: change.new)))
        }
        let version = try Int.fetchOne(db, sql: "PRAGMA schema_version") ?? 0
        try db.execute(sql: "PRAGMA writable_schema = ON")
        for (table, sql) in edited {
            try db.execute(sql: "UPDATE sqlite_schema SET sql = ? WHERE type = 'table' AND name = ?", arguments: [sql, table])
        }
        try db.execute(sql: "PRAGMA schema_version = \(version + 1)")
        try db.execute(sql: "PRAGMA writable_schema = OFF")
        let check = try String.fetchAll(db, sql: "PRAGMA quick_check")
        guard check == ["ok"] else {
            throw StoreError.constraintViolated(table: changes.map(\.table).joined(separator: ", "), constraint: "check", detail: check.joined(separator: "; "))
        }
    }
}

extension WorkflowTemplate {
    /// The steps as the store keeps them (a JSON array).
    func stepsJSON() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(steps), as: UTF8.self)
    }
}
