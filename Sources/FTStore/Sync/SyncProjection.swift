internal import Foundation
internal import GRDB
internal import FTModel
internal import FTSync

/// Writes a record's merged state into the domain tables the rest of the product reads
/// (messages, ratings, documents, steps…). A record whose creating operation has not arrived yet
/// stays in `syncRecord` only, until it does. A message keeps its merge state on its own row
/// (`MessageMergeState`).
enum SyncProjection {
    /// A timestamp as the database stores dates (GRDB's format, without its slow formatter).
    static func date(_ stamp: HLCTimestamp) -> String {
        DatabaseDate.string(from: Date(timeIntervalSince1970: Double(stamp.milliseconds) / 1_000))
    }

    /// Returns the notice of a new message, which the caller notes once the operation is stored.
    /// `stamp`: the operation's timestamp as text and date, worked out before the transaction.
    static func project(_ state: RecordState, operation: SyncOperation, stamp: StampTexts, dossierId: Int64, now: Date, statements: PushStatements, db: Database) throws -> MessageNotices.Notice? {
        switch state {
        case .message(let message):
            guard let content = message.content else { return nil }
            let authorRole = content.value.author == operation.actor.user ? operation.actor.role.rawValue : nil
            try MessageMergeState.write(message, id: operation.record, stamp: stamp, authorRole: authorRole, with: statements.writeMessage())
            if operation.action == .insert, message.deletion == nil {
                // The dossier's other participants learn of it in their notification centre.
                return MessageNotices.Notice(conversation: content.value.conversation, dossier: dossierId, author: content.value.author, body: message.visibleBody)
            }
        case .readReceipt(let receipt):
            let parts = operation.record.split(separator: ":").compactMap { Int64($0) }
            guard parts.count == 2 else { return nil }
            try db.cachedStatement(sql: """
                INSERT INTO readReceipt (conversationId, userId, readUpTo) VALUES (?, ?, ?)
                ON CONFLICT (conversationId, userId) DO UPDATE SET readUpTo = max(readUpTo, excluded.readUpTo)
                """).execute(arguments: [parts[0], parts[1], DatabaseDate.string(from: Date(timeIntervalSince1970: Double(receipt.readUpTo) / 1_000))])
        case .rating(let rating):
            guard let value = rating.value else { return nil }
            let parts = operation.record.split(separator: ":").compactMap { Int64($0) }
            guard parts.count == 2 else { return nil }
            try db.cachedStatement(sql: """
                INSERT INTO rating (clientId, expertId, score, comment, createdAt, updatedAt, hlc) VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (clientId, expertId) DO UPDATE SET score = excluded.score, comment = excluded.comment,
                    updatedAt = excluded.updatedAt, hlc = excluded.hlc
                """).execute(arguments: [parts[0], parts[1], value.value.score, value.value.comment, date(value.hlc), date(value.hlc), value.hlc.description])
        case .document(let document):
            guard let content = document.content else { return nil }
            try db.cachedStatement(sql: """
                INSERT INTO document (id, dossierId, category, title, createdBy, createdAt) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET category = excluded.category, title = excluded.title
                """).execute(arguments: [
                    operation.record, content.value.dossier, document.category?.value ?? DocumentCategory.other.rawValue,
                    document.title?.value ?? "Document", content.value.createdBy, date(content.hlc),
                ])
        case .documentVersion(let version):
            guard let content = version.content else { return nil }
            let validation = version.validation
            try db.cachedStatement(sql: """
                INSERT INTO documentVersion (id, documentId, fileName, mediaType, byteCount, sha256, uploadedBy, uploadedAt, hlc,
                    validation, validationReason, validatedBy, validatedAt)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET validation = excluded.validation, validationReason = excluded.validationReason,
                    validatedBy = excluded.validatedBy, validatedAt = excluded.validatedAt
                """).execute(arguments: [
                    operation.record, content.value.document, content.value.fileName, content.value.mediaType, content.value.byteCount,
                    content.value.sha256, content.value.uploadedBy, date(content.hlc), content.hlc.description,
                    validation?.value.state ?? ValidationState.pending.rawValue,
                    validation.flatMap { $0.value.reason.isEmpty ? nil : $0.value.reason }, validation?.value.by, validation.map { date($0.hlc) },
                ])
        case .offer(let offer):
            guard let answer = offer.answer, let id = RecordID.number(operation.record) else { return nil }
            try OfferAnswer.apply(answer.value, offer: id, dossier: dossierId, date: stamp.date(of: answer.hlc), now: now, db: db)
            return nil
        case .dossier:
            // Opened before it was logged (`DossierOpening`, from `AppDatabase.commit`); made once, never changed.
            return nil
        case .preference(let preference):
            guard let enabled = preference.enabled, let (user, kind, channel) = RecordID.preference(operation.record) else { return nil }
            try db.cachedStatement(sql: """
                INSERT INTO notificationPreference (userId, kind, channel, enabled, hlc, operationId) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (userId, kind, channel) DO UPDATE SET enabled = excluded.enabled, hlc = excluded.hlc, operationId = excluded.operationId
                """).execute(arguments: [user, kind.rawValue, channel.rawValue, enabled.value, stamp.text(of: enabled.hlc), enabled.operation])
        case .step(let step):
            guard let id = Int64(operation.record) else { return nil }
            var fields = step.effectiveFields
            // A step already completed stays at 100 % until a status change reopens it.
            let currentStatus = try String.fetchOne(db.cachedStatement(sql: "SELECT status FROM dossierStep WHERE id = ?"), arguments: [id])
            if (fields["status"]?.string ?? currentStatus) == StepStatus.completed.rawValue {
                fields["progress"] = .int(100)
            }
            var assignments: [String] = ["updatedAt = ?"]
            let now = DatabaseDate.string(from: now)
            var arguments: [(any DatabaseValueConvertible)?] = [now]
            if let status = fields["status"]?.string {
                assignments.append("status = ?")
                arguments.append(status)
                assignments.append("completedAt = CASE WHEN ? = 'completed' THEN coalesce(completedAt, ?) ELSE completedAt END")
                arguments.append(status)
                arguments.append(now)
            }
            if let progress = fields["progress"]?.int {
                assignments.append("progress = ?")
                arguments.append(progress)
            }
            if let priority = fields["priority"]?.string {
                assignments.append("priority = ?")
                arguments.append(priority)
            }
            if let due = fields["dueAt"]?.int {
                assignments.append("dueAt = ?")
                arguments.append(Date(timeIntervalSince1970: Double(due) / 1_000))
            }
            arguments.append(id)
            try db.cachedStatement(sql: "UPDATE dossierStep SET \(assignments.joined(separator: ", ")) WHERE id = ?").execute(arguments: StatementArguments(arguments))
            // A person moved the step: the dossier's other participants are told.
            if let status = operation.fields["status"]?.string, status != currentStatus, operation.actor.user != SyncActor.server.user {
                try StepNotice.write(step: id, status: status, dossier: dossierId, actor: operation.actor.user, date: now, db: db)
            }
            if fields["status"]?.string == StepStatus.completed.rawValue, currentStatus != StepStatus.completed.rawValue {
                try DossierCompletion.afterStepCompleted(dossier: dossierId, date: now, db: db)
            }
        }
        return nil
    }
}
