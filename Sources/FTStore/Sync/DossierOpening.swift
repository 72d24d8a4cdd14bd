internal import Foundation
internal import GRDB
internal import FTModel
internal import FTSync

/// Opens a dossier from a client's request (a `dossier` insert that the validator accepted), in
/// the push's transaction: the dossier row with its answers and verdict, its conversation, its
/// steps from the scheme's newest workflow template (each logged as the server's change, so that
/// every device of the dossier learns of it by pull), the offer to the expert the client asked
/// for (with a notification) or, when none was, to the best expert by the scheme's rules
/// (`OfferRouting`), and the dossier's first events.
enum DossierOpening {
    /// What the locator reads for a new dossier's validation (`RecordFacts.SchemeFacts`).
    static func schemeFacts(product: Int64, expert: Int64?, db: Database) throws -> RecordFacts.SchemeFacts? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT active, eligibilityQuestions FROM eligibleProduct WHERE id = ?"), arguments: [product]) else { return nil }
        let holds = try expert.map { expert in
            try Bool.fetchOne(db.cachedStatement(sql: """
                SELECT EXISTS (SELECT 1 FROM expert e JOIN expertSpecialty s ON s.expertId = e.id JOIN user u ON u.id = e.userId
                WHERE e.id = ? AND s.productId = ? AND e.approval = 'approved' AND e.active = 1 AND u.active = 1 AND u.deletedAt IS NULL)
                """), arguments: [expert, product]) ?? false
        }
        return RecordFacts.SchemeFacts(active: row["active"], questions: questions(row["eligibilityQuestions"]), expertHoldsScheme: holds)
    }

    static func questions(_ json: String) -> [EligibilityQuestion] {
        (try? JSONDecoder().decode([EligibilityQuestion].self, from: Data(json.utf8))) ?? []
    }

    /// The scheme's newest template and its version; the standard steps (version 1) when it has none.
    static func template(product: Int64, slaDays: Int, db: Database) throws -> (version: Int64, template: WorkflowTemplate) {
        if let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT version, steps FROM workflowTemplate WHERE productId = ? ORDER BY version DESC LIMIT 1"), arguments: [product]),
            let steps = try? JSONDecoder().decode([WorkflowTemplate.Step].self, from: Data((row["steps"] as String).utf8)) {
            return (row["version"], WorkflowTemplate(steps: steps))
        }
        return (1, WorkflowTemplate.standard(slaDays: slaDays))
    }

    /// Returns the new dossier's id.
    static func open(_ request: DossierState.Content, record: String, now: Date, statements: PushStatements, db: Database) throws -> Int64 {
        guard let client = try Row.fetchOne(db.cachedStatement(sql: "SELECT id, companyName FROM client WHERE userId = ?"), arguments: [request.client]),
            let product = try Row.fetchOne(db.cachedStatement(sql: "SELECT id, code, name, slaDays, offerHours, eligibilityQuestions FROM eligibleProduct WHERE id = ?"), arguments: [request.product])
        else {
            throw StoreError.constraintViolated(table: "dossier", constraint: "dossier_client", detail: "no client or scheme for request \(record)")
        }
        let answers = Eligibility.answers(fromJSON: request.answers) ?? [:]
        let verdict = (try? Eligibility.decide(questions(product["eligibilityQuestions"]), answers: answers).get()) ?? .ineligible(reasons: ["Réponses incomplètes"])
        let reasons: [String] = if case .ineligible(let reasons) = verdict { reasons } else { [] }
        let eligible = reasons.isEmpty
        let (version, template) = try template(product: request.product, slaDays: product["slaDays"], db: db)
        let date = DatabaseDate.string(from: now)
        try db.cachedStatement(sql: """
            INSERT INTO dossier (clientId, productId, status, estimatedCents, createdAt, updatedAt, closedAt, requestId, description, answers,
                ineligibleReasons, templateVersion, requestedExpertId)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [
                client["id"] as Int64, request.product, eligible ? DossierStatus.eligible.rawValue : DossierStatus.ineligible.rawValue,
                request.amount * 100, date, date, eligible ? nil : date, record, request.description, canonicalAnswers(answers),
                jsonArray(reasons), version, eligible ? request.expert : nil,
            ])
        let dossier = db.lastInsertedRowID
        try db.cachedStatement(sql: "INSERT INTO conversation (dossierId, createdAt) VALUES (?, ?)").execute(arguments: [dossier, date])
        let scheme: String = product["name"]
        try event(dossier, .opened, eligible
            ? "Dossier ouvert par \(client["companyName"] as String) pour « \(scheme) » : éligible."
            : "Dossier ouvert par \(client["companyName"] as String) pour « \(scheme) » : non éligible. \(reasons.joined(separator: " "))",
            actor: request.client, date: date, db: db)
        guard eligible else { return dossier }

        let stamp = HLCTimestamp(milliseconds: DatabaseDate.milliseconds(now), node: "server")
        for planned in template.plan(answers: answers, amount: request.amount, start: now) {
            let step = planned.step
            try db.cachedStatement(sql: """
                INSERT INTO dossierStep (dossierId, position, type, status, priority, assigneeRole, progress, dueAt, updatedAt, title, dependsOn, documents)
                VALUES (?, ?, ?, 'pending', 'normal', ?, 0, ?, ?, ?, ?, ?)
                """).execute(arguments: [
                    dossier, planned.position, step.type.rawValue, step.assignee.rawValue, DatabaseDate.string(from: planned.dueAt), date,
                    step.title, "[" + planned.dependsOn.map(String.init).joined(separator: ",") + "]", jsonArray(step.documents.map(\.rawValue)),
                ])
            let id = db.lastInsertedRowID
            // Logged as the server's change: devices that already pulled past this point learn of the step.
            _ = try AppDatabase.applyFromServer(SyncOperation(
                id: "server:step:\(id)", collection: .step, action: .update, record: String(id),
                fields: ["status": .string("pending"), "progress": .int(0), "priority": .string("normal"), "dueAt": .int(DatabaseDate.milliseconds(planned.dueAt))],
                hlc: stamp, actor: .server
            ), now: now, statements: statements, db: db)
        }
        if let expert = request.expert {
            try offer(dossier: dossier, expert: expert, reason: "à la demande du client", scheme: scheme, company: client["companyName"], amount: request.amount,
                      hours: product["offerHours"], now: now, db: db)
        } else {
            try OfferRouting.offerNext(dossier: dossier, now: now, db: db)
        }
        return dossier
    }

    /// Offers the dossier to `expert` for `hours`: a pending assignment, a notification, an event.
    static func offer(dossier: Int64, expert: Int64, reason: String, scheme: String, company: String, amount: Int64, hours: Int, now: Date, db: Database) throws {
        let date = DatabaseDate.string(from: now)
        try db.cachedStatement(sql: "INSERT INTO expertAssignment (dossierId, expertId, status, requestedAt, offerExpiresAt) VALUES (?, ?, 'pending', ?, ?)")
            .execute(arguments: [dossier, expert, date, DatabaseDate.string(from: now.addingTimeInterval(Double(hours) * 3_600))])
        let assignment = db.lastInsertedRowID
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT userId, firstName || ' ' || lastName AS name FROM expert WHERE id = ?"), arguments: [expert]) else { return }
        // The expert's devices get the dossier's earlier changes (`SyncGrant`).
        try SyncGrant.log(assignment: assignment, user: row["userId"], now: now, db: db)
        let euros = FrenchNumber.grouped(amount)
        try db.cachedStatement(sql: "INSERT INTO notification (userId, kind, title, body, target, createdAt) VALUES (?, 'assignment', ?, ?, ?, ?)")
            .execute(arguments: [
                row["userId"] as Int64, "Nouveau dossier proposé : \(scheme)",
                "\(company) vous propose son dossier n° \(dossier) (\(euros) € estimés). Acceptez ou déclinez-le dans l’application sous \(hours) h.",
                "dossier:\(dossier)", date,
            ])
        try event(dossier, .offered, "Proposé à \(row["name"] as String) (\(reason)).", actor: nil, date: date, db: db)
    }

    enum EventKind: String {
        case opened, offered, accepted, declined, expired, reassigned, cancelled, waiting, completed
    }

    static func event(_ dossier: Int64, _ kind: EventKind, _ text: String, actor: Int64?, date: String, db: Database) throws {
        try db.cachedStatement(sql: "INSERT INTO dossierEvent (dossierId, kind, text, actorId, createdAt) VALUES (?, ?, ?, ?, ?)")
            .execute(arguments: [dossier, kind.rawValue, String(text.prefix(1_000)), actor, date])
    }

    static func jsonArray(_ texts: [String]) -> String {
        var out = "["
        for (index, text) in texts.enumerated() {
            if index > 0 { out += "," }
            StateJSON.writeString(text) { out += String(decoding: $0, as: UTF8.self) }
        }
        return out + "]"
    }

    /// The answers as a JSON object, keys sorted.
    static func canonicalAnswers(_ answers: [String: String]) -> String {
        StateJSON.text(answers.mapValues(FieldValue.string))
    }
}
