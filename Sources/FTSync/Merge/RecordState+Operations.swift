public import FTModel

extension RecordState {
    /// Operations that rebuild this state exactly on a replica that has none of it: each stamped
    /// value comes with the timestamp and operation id the server merged it with, so a device that
    /// starts from a snapshot and a device that saw every change hold the same record, and a later
    /// change wins or loses against it on both alike. `role` names a user's role (the operations'
    /// authors). A read receipt holds no stamp: it is not rebuilt here.
    public func operations(collection: SyncCollection, record: String, role: (Int64) throws -> Role) rethrows -> [SyncOperation] {
        func operation(_ stamp: (hlc: HLCTimestamp, operation: String), _ action: SyncAction, _ fields: [String: FieldValue], by user: Int64) throws -> SyncOperation {
            SyncOperation(id: stamp.operation, collection: collection, action: action, record: record, fields: fields, hlc: stamp.hlc, actor: SyncActor(user: user, role: try role(user)))
        }
        switch self {
        case .readReceipt:
            return []
        case .message(let message):
            guard let content = message.content else { return [] }
            let author = content.value.author
            // The insert carries the body (never empty: a deleted message's is); a body written
            // later comes with its own stamp and wins over the insert's copy on every replica.
            let body = message.body?.value ?? ""
            var operations = [try operation((content.hlc, content.operation), .insert, ["conversation": .int(content.value.conversation), "body": .string(body.isEmpty ? "…" : body)], by: author)]
            if let edit = message.body, edit.hlc != content.hlc || edit.operation != content.operation {
                operations.append(try operation((edit.hlc, edit.operation), .update, ["body": .string(edit.value)], by: author))
            }
            if let deletion = message.deletion {
                operations.append(try operation((deletion.hlc, deletion.operation), .delete, [:], by: author))
            }
            return operations
        case .rating(let rating):
            guard let value = rating.value else { return [] }
            return [try operation((value.hlc, value.operation), .update, ["score": .int(value.value.score), "comment": .string(value.value.comment)], by: value.value.author)]
        case .document(let document):
            guard let content = document.content else { return [] }
            let author = content.value.createdBy
            var insert: [String: FieldValue] = ["dossier": .int(content.value.dossier)]
            document.title.map { insert["title"] = .string($0.value) }
            document.category.map { insert["category"] = .string($0.value) }
            var operations = [try operation((content.hlc, content.operation), .insert, insert, by: author)]
            // A title or category written after the insert comes with its own stamp; the insert's
            // copy of it loses to that one on every replica.
            var later: [StampKey: [String: FieldValue]] = [:]
            for (name, value) in [("title", document.title), ("category", document.category)] {
                guard let value, value.hlc != content.hlc || value.operation != content.operation else { continue }
                later[StampKey(hlc: value.hlc, operation: value.operation, user: author), default: [:]][name] = .string(value.value)
            }
            for (key, fields) in later.sorted(by: { $0.key < $1.key }) {
                operations.append(try operation((key.hlc, key.operation), .update, fields, by: author))
            }
            return operations
        case .documentVersion(let version):
            guard let content = version.content else { return [] }
            let value = content.value
            var operations = [try operation((content.hlc, content.operation), .insert, [
                "document": .string(value.document), "fileName": .string(value.fileName), "mediaType": .string(value.mediaType),
                "byteCount": .int(value.byteCount), "sha256": .string(value.sha256),
            ], by: value.uploadedBy)]
            if let validation = version.validation {
                var fields: [String: FieldValue] = ["validation": .string(validation.value.state)]
                if !validation.value.reason.isEmpty { fields["reason"] = .string(validation.value.reason) }
                operations.append(try operation((validation.hlc, validation.operation), .update, fields, by: validation.value.by))
            }
            return operations
        case .dossier(let dossier):
            guard let content = dossier.content else { return [] }
            let value = content.value
            var fields: [String: FieldValue] = [
                "product": .int(value.product), "description": .string(value.description), "amount": .int(value.amount), "answers": .string(value.answers),
            ]
            value.expert.map { fields["expert"] = .int($0) }
            return [try operation((content.hlc, content.operation), .insert, fields, by: value.client)]
        case .offer(let offer):
            guard let answer = offer.answer else { return [] }
            var fields: [String: FieldValue] = ["answer": .string(answer.value.answer)]
            if !answer.value.reason.isEmpty { fields["reason"] = .string(answer.value.reason) }
            return [try operation((answer.hlc, answer.operation), .update, fields, by: answer.value.by)]
        case .preference(let preference):
            guard let enabled = preference.enabled else { return [] }
            return [try operation((enabled.hlc, enabled.operation), .update, ["enabled": .bool(enabled.value)], by: RecordID.preference(record)?.user ?? 0)]
        case .step(let step):
            // Every write of the history, grouped back into the operations that made them: the
            // winners and the overridden values, which a person sees in the step's history.
            var writes: [StampKey: [String: FieldValue]] = [:]
            for write in step.history {
                writes[StampKey(hlc: write.hlc, operation: write.operation, user: write.user), default: [:]][write.field] = write.value
            }
            return try writes.sorted(by: { $0.key < $1.key }).map { key, fields in
                try operation((key.hlc, key.operation), .update, fields, by: key.user)
            }
        }
    }
}

/// One operation's stamp and author.
private struct StampKey: Hashable, Comparable {
    var hlc: HLCTimestamp
    var operation: String
    var user: Int64

    static func < (lhs: StampKey, rhs: StampKey) -> Bool {
        (lhs.hlc, lhs.operation, lhs.user) < (rhs.hlc, rhs.operation, rhs.user)
    }
}
