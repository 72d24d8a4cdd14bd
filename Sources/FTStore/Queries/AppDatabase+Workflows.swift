public import Foundation
internal import GRDB
public import FTModel

/// A scheme's eligibility questions and workflow template: what a new dossier is opened with
/// (`DossierOpening`). A template change makes the next version; dossiers keep the version they
/// were opened with.
public struct SchemeWorkflow: Sendable, Equatable {
    public var productId: Int64
    public var questions: [EligibilityQuestion]
    public var version: Int64
    public var template: WorkflowTemplate
}

/// A scheme in the admins' list of templates.
public struct WorkflowSummary: Sendable, Equatable {
    public var productId: Int64
    public var code: String
    public var name: String
    /// The newest version (1 when the scheme has none stored: the standard steps).
    public var version: Int64
    public var steps: Int
}

/// Why a scheme's questions or template were refused: each problem in French.
public struct WorkflowProblems: Error, Sendable, Equatable {
    public var problems: [String]
}

extension StoreBatch {
    /// Sets a scheme's questions and saves `template` as its next version (see `AppDatabase.saveWorkflow`).
    @discardableResult
    public mutating func saveWorkflow(productId: Int64, questions: [EligibilityQuestion], template: WorkflowTemplate, by user: Int64?, now: Date) throws -> Int64 {
        try AppDatabase.saveWorkflow(productId: productId, questions: questions, template: template, by: user, now: now, db: db)
    }
}

extension AppDatabase {
    /// The scheme's questions and newest template (the standard five steps when it has none).
    public func workflow(productId: Int64) throws -> SchemeWorkflow? {
        try writer.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT slaDays, eligibilityQuestions FROM eligibleProduct WHERE id = ?", arguments: [productId]) else { return nil }
            let (version, template) = try DossierOpening.template(product: productId, slaDays: row["slaDays"], db: db)
            return SchemeWorkflow(productId: productId, questions: DossierOpening.questions(row["eligibilityQuestions"]), version: version, template: template)
        }
    }

    /// Every active scheme with its newest template's version and number of steps, by name.
    public func workflowSummaries() throws -> [WorkflowSummary] {
        let rows = try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT p.id, p.code, p.name, w.version, json_array_length(w.steps) AS steps
                FROM eligibleProduct p LEFT JOIN workflowTemplate w ON w.productId = p.id
                    AND w.version = (SELECT max(version) FROM workflowTemplate WHERE productId = p.id)
                WHERE p.active = 1
                """)
        }
        let summaries = rows.map { row in
            WorkflowSummary(productId: row[0], code: row[1], name: row[2], version: row[3] ?? 1, steps: row[4] ?? 5)
        }
        return summaries.map { (key: FrenchCollation.key($0.name), summary: $0) }.sorted { $0.key < $1.key }.map(\.summary)
    }

    /// Every active scheme's workflow, for the pages that open dossiers.
    public func workflows() throws -> [SchemeWorkflow] {
        let ids = try writer.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM eligibleProduct WHERE active = 1 ORDER BY id") }
        return try ids.compactMap { try workflow(productId: $0) }
    }

    /// Sets a scheme's questions and saves `template` as its next version; refused whole
    /// (`WorkflowProblems`) when the template has problems or a step's condition names no
    /// question. Returns the new version.
    @discardableResult
    public func saveWorkflow(productId: Int64, questions: [EligibilityQuestion], template: WorkflowTemplate, by user: Int64?, now: Date) throws -> Int64 {
        try writer.write { db in try Self.saveWorkflow(productId: productId, questions: questions, template: template, by: user, now: now, db: db) }
    }

    static func saveWorkflow(productId: Int64, questions: [EligibilityQuestion], template: WorkflowTemplate, by user: Int64?, now: Date, db: Database) throws -> Int64 {
        var problems = template.problems()
        let keys = Set(questions.map(\.key))
        for (index, step) in template.steps.enumerated() {
            guard let key = step.condition?.question else { continue }
            guard keys.contains(key), let question = questions.first(where: { $0.key == key }) else {
                problems.append("étape \(index + 1) : sa condition porte sur la question « \(key) », que le dispositif ne pose pas")
                continue
            }
            let possible: [String]? = switch question.kind {
            case .yesNo: ["oui", "non"]
            case .choice: question.choices ?? []
            case .number: nil
            }
            if let possible, let wrong = step.condition?.answer?.anyOf?.first(where: { !possible.contains($0) }) {
                problems.append("étape \(index + 1) : « \(wrong) » n’est pas une réponse possible à « \(key) » (\(possible.joined(separator: ", ")))")
            }
        }
        guard problems.isEmpty else { throw WorkflowProblems(problems: problems) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        try db.execute(sql: "UPDATE eligibleProduct SET eligibilityQuestions = ? WHERE id = ?",
                       arguments: [String(decoding: try encoder.encode(questions), as: UTF8.self), productId])
        let version = (try Int64.fetchOne(db, sql: "SELECT max(version) FROM workflowTemplate WHERE productId = ?", arguments: [productId]) ?? 0) + 1
        try db.execute(sql: "INSERT INTO workflowTemplate (productId, version, steps, createdAt, createdBy) VALUES (?, ?, ?, ?, ?)",
                       arguments: [productId, version, try template.stepsJSON(), now, user])
        if let user {
            try audit(db, actor: user, action: "workflow.save", userId: user, entityType: "eligibleProduct", entityId: productId,
                      detail: ["version": version, "steps": template.steps.map(\.key).joined(separator: ",")], now: now)
        }
        return version
    }
}
