@testable import FTStore
import FTModel
import Foundation
import GRDB
import Testing

/// Each CHECK and each foreign key of the schema refuses a bad row, and the error names the table
/// and the constraint.
@Suite struct ConstraintTests {
    /// One bad change per named CHECK constraint: (constraint, table, SET clause).
    static let badChanges: [(String, String, String)] = [
        ("user_email_format", "user", "email = 'pas-une-adresse'"),
        ("user_role", "user", "role = 'superadmin'"),
        ("user_display_name", "user", "displayName = '   '"),
        ("user_active", "user", "active = 2"),
        ("eligible_product_code", "eligibleProduct", "code = 'TICPE 2024!'"),
        ("eligible_product_name", "eligibleProduct", "name = ''"),
        ("eligible_product_category", "eligibleProduct", "category = 'lottery'"),
        ("eligible_product_sla_days", "eligibleProduct", "slaDays = 0"),
        ("eligible_product_active", "eligibleProduct", "active = -1"),
        ("eligible_product_questions", "eligibleProduct", "eligibilityQuestions = '{}'"),
        ("eligible_product_offer_hours", "eligibleProduct", "offerHours = 0"),
        ("eligible_product_routing_distance", "eligibleProduct", "routingDistanceKm = -1"),
        ("expert_capacity", "expert", "capacity = 0"),
        ("client_latitude", "client", "latitude = 95"),
        ("client_longitude", "client", "longitude = 200"),
        ("workflow_template_version", "workflowTemplate", "version = 0"),
        ("workflow_template_steps", "workflowTemplate", "steps = '[]'"),
        ("dossier_request_id", "dossier", "requestId = ''"),
        ("dossier_description", "dossier", "description = printf('%.5001c', 'x')"),
        ("dossier_answers", "dossier", "answers = '[]'"),
        ("dossier_ineligible_reasons", "dossier", "ineligibleReasons = 'x'"),
        ("dossier_template_version", "dossier", "templateVersion = 0"),
        ("dossier_step_title", "dossierStep", "title = ''"),
        ("dossier_step_depends_on", "dossierStep", "dependsOn = '{}'"),
        ("dossier_step_documents", "dossierStep", "documents = 'nope'"),
        ("dossier_event_kind", "dossierEvent", "kind = 'party'"),
        ("dossier_event_text", "dossierEvent", "text = ''"),
        ("client_company_name", "client", "companyName = ' '"),
        ("client_siren", "client", "siren = '12345'"),
        ("client_postcode", "client", "postcode = '7500'"),
        ("client_employee_count", "client", "employeeCount = -3"),
        ("expert_slug", "expert", "slug = 'Jean Dupont'"),
        ("expert_first_name", "expert", "firstName = ''"),
        ("expert_last_name", "expert", "lastName = ''"),
        ("expert_postcode", "expert", "postcode = 'ABCDE'"),
        ("expert_latitude", "expert", "latitude = 91"),
        ("expert_longitude", "expert", "longitude = -181"),
        ("expert_bio_length", "expert", "bioMarkdown = printf('%.20001c', 'x')"),
        ("expert_certifications", "expert", "certifications = '{\"not\": \"an array\"}'"),
        ("expert_languages", "expert", "languages = 'fr, en'"),
        ("expert_portfolio", "expert", "portfolio = '[unclosed'"),
        ("expert_years_of_experience", "expert", "yearsOfExperience = 120"),
        ("expert_day_rate", "expert", "dayRate = 0"),
        ("expert_success_fee", "expert", "successFeePercent = 150"),
        ("expert_approval", "expert", "approval = 'maybe'"),
        ("expert_active", "expert", "active = 7"),
        ("expert_approved_has_date", "expert", "approval = 'approved', approvedAt = NULL"),
        ("dossier_status", "dossier", "status = 'lost'"),
        ("dossier_estimated_cents", "dossier", "estimatedCents = -1"),
        ("dossier_obtained_cents", "dossier", "obtainedCents = -100"),
        ("dossier_closed_has_date", "dossier", "status = 'done', closedAt = NULL"),
        ("expert_assignment_status", "expertAssignment", "status = 'sleeping'"),
        ("expert_assignment_completed_has_date", "expertAssignment", "status = 'completed', completedAt = NULL"),
        ("expert_assignment_cancelled_has_date", "expertAssignment", "status = 'cancelled', cancelledAt = NULL"),
        ("dossier_step_position", "dossierStep", "position = 0"),
        ("dossier_step_type", "dossierStep", "type = 'party'"),
        ("dossier_step_status", "dossierStep", "status = 'done'"),
        ("dossier_step_priority", "dossierStep", "priority = 'critical'"),
        ("dossier_step_assignee_role", "dossierStep", "assigneeRole = 'robot'"),
        ("dossier_step_progress", "dossierStep", "progress = 101"),
        ("dossier_step_completed_is_full", "dossierStep", "status = 'completed', progress = 50, completedAt = '2026-01-01'"),
        ("document_id", "document", "id = ''"),
        ("document_category", "document", "category = 'selfie'"),
        ("document_title", "document", "title = ''"),
        ("document_version_id", "documentVersion", "id = ''"),
        ("document_version_file_name", "documentVersion", "fileName = '../../etc/passwd'"),
        ("document_version_byte_count", "documentVersion", "byteCount = -1"),
        ("document_version_sha256", "documentVersion", "sha256 = 'ABC'"),
        ("document_version_validation", "documentVersion", "validation = 'approved'"),
        ("document_version_storage", "documentVersion", "storage = 'cloud'"),
        ("document_version_rejected_has_reason", "documentVersion", "validation = 'rejected', validationReason = NULL"),
        ("message_id", "message", "id = ''"),
        ("message_body", "message", "body = printf('%.20001c', 'x')"),
        ("message_deleted_is_empty", "message", "deletedAt = '2026-01-01', body = 'encore là'"),
        ("rating_score", "rating", "score = 6"),
        ("rating_comment", "rating", "comment = printf('%.5001c', 'x')"),
        ("notification_kind", "notification", "kind = 'spam'"),
        ("notification_preference_kind", "notificationPreference", "kind = 'spam'"),
        ("notification_preference_channel", "notificationPreference", "channel = 'pigeon'"),
        ("notification_delivery_channel", "notificationDelivery", "channel = 'pigeon'"),
        ("notification_delivery_status", "notificationDelivery", "status = 'lost'"),
        ("notification_preference_enabled", "notificationPreference", "enabled = 3"),
        ("audit_log_action", "auditLog", "action = 'DROP TABLE'"),
        ("audit_log_detail", "auditLog", "detail = '{not json'"),
        ("session_token_hash", "session", "tokenHash = 'court'"),
        ("session_expiry", "session", "expiresAt = createdAt"),
        ("sync_change_operation_id", "syncChange", "operationId = ''"),
        ("sync_change_collection", "syncChange", "collection = 'photo'"),
        ("sync_change_action", "syncChange", "action = 'upsert'"),
        ("sync_change_fields", "syncChange", "fields = '{oops'"),
        ("sync_change_actor_role", "syncChange", "actorRole = 'robot'"),
        ("alert_rule_kind", "alertRule", "kind = 'weather'"),
        ("alert_rule_threshold", "alertRule", "threshold = -1"),
        ("alert_rule_reminder_hours", "alertRule", "reminderHours = 0"),
        ("alert_rule_max_reminders", "alertRule", "maxReminders = 11"),
        ("alert_rule_active", "alertRule", "active = 2"),
        // A change belongs to a dossier or to a user, never both.
        ("sync_change_scope", "syncChange", "ownerId = dossierId"),
        ("sync_record_state", "syncRecord", "state = 'pas du json'"),
        ("document_text_status", "documentText", "status = 'maybe'"),
        ("push_subscription_endpoint", "pushSubscription", "endpoint = 'x'"),
        ("push_subscription_p256dh", "pushSubscription", "p256dh = x'04'"),
        ("push_subscription_auth", "pushSubscription", "auth = x'00'"),
        ("announcement_title", "announcement", "title = ''"),
        ("announcement_body", "announcement", "body = printf('%.4001c', 'x')"),
        ("announcement_segment", "announcement", "segment = '{role'"),
        ("search_alert_email", "searchAlert", "email = 'personne'"),
        ("search_alert_criteria", "searchAlert", "criteria = '[]'"),
        ("search_alert_nonce", "searchAlert", "nonce = 'court'"),
        ("search_alert_token_hash", "searchAlert", "tokenHash = x'00'"),
        ("search_alert_confirmed_has_cursor", "searchAlert", "seenUpTo = NULL"),
        ("user_email_verified", "user", "emailVerified = 2"),
        ("expert_rejection_reason", "expert", "rejectionReason = printf('%.2001c', 'x')"),
        ("expert_siret", "expert", "siret = '7328293200007'"),
        ("account_mail_kind", "accountMail", "kind = 'welcome'"),
        ("account_mail_email", "accountMail", "email = 'personne'"),
        ("account_mail_nonce", "accountMail", "nonce = 'court'"),
        ("account_mail_token_hash", "accountMail", "tokenHash = x'00'"),
        ("account_mail_link_needs_user", "accountMail", "userId = NULL"),
    ]

    /// Tables without a rowid, and the column that picks "the first row" in them.
    static let rowKey = [
        "expertSpecialty": "expertId, productId", "messageAttachment": "messageId, documentId",
        "readReceipt": "conversationId, userId", "notificationPreference": "userId, kind, channel",
        "session": "tokenHash", "syncRejection": "operationId", "syncRecord": "collection, record",
        "unsubscribeToken": "tokenHash",
    ]

    /// SQL that changes exactly one row of `table`.
    static func updateFirstRow(of table: String, set change: String) -> String {
        let key = rowKey[table] ?? "rowid"
        return "UPDATE \(table) SET \(change) WHERE (\(key)) = (SELECT \(key) FROM \(table) ORDER BY \(key) LIMIT 1)"
    }

    @Test func theTableAboveCoversEveryNamedCheckOfTheSchema() throws {
        let database = try AppDatabase.inMemory()
        let schemaSQL = try database.writer.read { db in
            try String.fetchAll(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND sql IS NOT NULL").joined(separator: "\n")
        }
        let regex = try NSRegularExpression(pattern: #"CONSTRAINT\s+(\w+)\s+CHECK"#)
        let range = NSRange(schemaSQL.startIndex..., in: schemaSQL)
        let named = Set(regex.matches(in: schemaSQL, range: range).compactMap { match in
            Range(match.range(at: 1), in: schemaSQL).map { String(schemaSQL[$0]) }
        })
        #expect(named.count > 50)
        #expect(named == Set(Self.badChanges.map(\.0)))
        // Every CHECK is named: no anonymous "CHECK (" outside a CONSTRAINT clause.
        #expect(schemaSQL.components(separatedBy: "CHECK (").count - 1 == named.count)
    }

    @Test(arguments: badChanges)
    func aCheckRefusesABadRowAndNamesItself(constraint: String, table: String, change: String) throws {
        let database = try Fixtures.seededDatabaseWithSync()
        let sql = Self.updateFirstRow(of: table, set: change)
        let before = try database.contentDigest()
        #expect {
            try database.execute(sql: sql, table: table)
        } throws: { error in
            let error = try #require(error as? StoreError)
            return error.kind == .constraintViolated && error.table == table && error.constraint == constraint
                && error.description.contains(table) && error.description.contains(constraint)
        }
        #expect(try database.contentDigest() == before, "a refused change must leave the data as it was")
    }

    /// Every foreign key of the schema: pointing a row at a parent that does not exist is refused.
    @Test func everyForeignKeyRefusesAMissingParent() throws {
        let database = try Fixtures.seededDatabaseWithSync()
        let relations: [(table: String, column: String, parent: String, to: String)] = try database.writer.read { db in
            try Schema.dataTables.flatMap { table in
                try Row.fetchAll(db, sql: "SELECT \"from\", \"table\", \"to\" FROM pragma_foreign_key_list(?)", arguments: [table]).map {
                    (table, $0["from"], $0["table"], $0["to"])
                }
            }
        }
        #expect(relations.count >= 25)
        for relation in relations {
            let missing = relation.parent == "document" || relation.parent == "message" ? "'no-such-id'" : "987654321"
            // A private change has no dossier (`sync_change_scope`).
            let scope = relation.table == "syncChange" && relation.column == "ownerId" ? "dossierId = NULL, " : ""
            let sql = Self.updateFirstRow(of: relation.table, set: "\(scope)\(relation.column) = \(missing)")
            let expected = "foreign key \(relation.table).\(relation.column) → \(relation.parent).\(relation.to)"
            #expect(performing: { try database.execute(sql: sql, table: relation.table) }, throws: { error in
                let error = try #require(error as? StoreError)
                return error.table == relation.table && error.constraint == expected
            })
        }
    }

    @Test func insertingARecordWithAMissingParentNamesTheRelation() throws {
        let database = try Fixtures.seededDatabase(experts: 3, clients: 4)
        let dossier = Dossier(
            clientId: 424_242, productId: 1, status: .eligible, estimatedCents: 1_000,
            createdAt: Fixtures.today, updatedAt: Fixtures.today
        )
        #expect {
            try database.insert(dossier)
        } throws: { error in
            let error = try #require(error as? StoreError)
            return error.constraint == "foreign key dossier.clientId → client.id" && error.description.contains("dossier")
        }
    }

    @Test func insertingAnOutOfRangeScoreIsRefusedByName() throws {
        let database = try Fixtures.seededDatabase(experts: 3, clients: 4)
        let rating = Rating(clientId: 1, expertId: 1, score: 9, comment: "", createdAt: Fixtures.today, updatedAt: Fixtures.today, hlc: "x")
        #expect {
            try database.insert(rating)
        } throws: { error in
            (error as? StoreError)?.constraint == "rating_score"
        }
    }

    @Test func uniqueRulesNameTheirColumns() throws {
        let database = try Fixtures.seededDatabase(experts: 3, clients: 4)
        let duplicate = User(email: "ADMIN@financialtracker.example", role: .admin, displayName: "Doublon", createdAt: Fixtures.today)
        #expect {
            try database.insert(duplicate)
        } throws: { error in
            (error as? StoreError)?.constraint == "user.email UNIQUE"
        }
    }

    // MARK: Delete rules

    @Test func deletingAClientCascadesToItsDossiersAndEverythingUnderThem() throws {
        let database = try Fixtures.seededDatabase(experts: 6, clients: 12)
        let userId = try #require(try database.user(email: "client2@financialtracker.example")?.id)
        let client = try #require(try database.client(userId: userId))
        let dossierIds = try database.dossiers(clientId: try #require(client.id)).compactMap(\.id)
        #expect(!dossierIds.isEmpty)
        // The client wrote messages and documents in its own dossiers only, so it may go.
        try database.deleteUser(id: client.userId)
        for id in dossierIds {
            #expect(try database.steps(dossierId: id).isEmpty)
            #expect(try database.assignments(dossierId: id).isEmpty)
            #expect(try database.conversation(dossierId: id) == nil)
            #expect(try database.documents(dossierId: id).isEmpty)
        }
        #expect(try database.dossiers(clientId: try #require(client.id)).isEmpty)
    }

    @Test func aProductInUseCannotBeDeleted() throws {
        let database = try Fixtures.seededDatabase(experts: 6, clients: 12)
        #expect {
            try database.deleteEligibleProduct(id: 1)
        } throws: { error in
            let error = try #require(error as? StoreError)
            return error.table == "eligibleProduct" && (error.constraint ?? "").contains("→ eligibleProduct.id (ON DELETE RESTRICT)")
        }
    }

    @Test func anExpertWithAssignmentsCannotBeDeletedButCanBeDeactivated() throws {
        let database = try Fixtures.seededDatabase(experts: 6, clients: 12)
        let expert = try #require(try database.user(email: "expert@financialtracker.example"))
        let profile = try #require(try database.writer.read { db in try Expert.filter(sql: "userId = ?", arguments: [expert.id]).fetchOne(db) })
        let profileId = try #require(profile.id)
        #expect(try !database.assignments(expertId: profileId).isEmpty)
        #expect {
            try database.deleteExpert(id: profileId)
        } throws: { error in
            let error = try #require(error as? StoreError)
            return error.table == "expert" && (error.constraint ?? "").contains("expertAssignment.expertId → expert.id")
        }
    }

    @Test func deletingAnAdminKeepsTheAuditLogAndTheApprovals() throws {
        let database = try Fixtures.seededDatabase(experts: 6, clients: 12)
        let admin = try #require(try database.user(email: "julien-operations.admin@financialtracker.example"))
        let entry = try database.insert(AuditEntry(actorId: admin.id, action: "user.deactivate", entityType: "user", entityId: "3", createdAt: Fixtures.today))
        try database.deleteUser(id: try #require(admin.id))
        let kept = try database.writer.read { db in try AuditEntry.fetchOne(db, key: entry.id) }
        #expect(kept?.actorId == nil)
        #expect(kept?.action == "user.deactivate")
    }

    @Test func deletingSomethingThatDoesNotExistSaysSo() throws {
        let database = try AppDatabase.inMemory()
        #expect(throws: StoreError.notFound(table: "dossier", id: "5")) { try database.deleteDossier(id: 5) }
    }
}
