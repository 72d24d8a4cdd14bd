internal import Foundation
internal import FTModel
internal import FTStore

/// The people and dates of one dossier that has an expert.
struct Exchange {
    var dossierId: Int64
    var clientId: Int64
    var clientUserId: Int64
    var expertId: Int64
    var expertUserId: Int64
    var assignment: ExpertAssignment
    var opened: Date
    var closed: Date?
    /// The dossier's scheme code: what its messages and review may speak of.
    var scheme: String
    /// The expert's habit: an answer to the client comes about this many hours later.
    var expertResponseHours: Double
    /// What the review's words about the expert agree with.
    var expertIsFeminine: Bool
}

extension SeedContext {
    /// The conversation, its messages and read receipts, the documents with their versions, and
    /// the client's rating of a finished assignment.
    mutating func insertExchange(_ exchange: Exchange, rng: inout DemoRandom, into batch: inout StoreBatch) throws {
        let conversation = try batch.insert(Conversation(dossierId: exchange.dossierId, createdAt: exchange.opened))
        guard let conversationId = conversation.id else { return }
        let end = exchange.closed ?? today
        let busy = exchange.assignment.status == .inProgress || exchange.assignment.status == .completed
        let messageCount = busy ? rng.int(2...9) : rng.int(1...3)

        var messages: [Message] = []
        var clock = exchange.opened
        var lastFromClient = false
        for position in 0..<messageCount {
            let fromClient = position % 2 == 0 ? rng.chance(0.85) : rng.chance(0.2)
            // An answer to the client takes the expert's usual time, give or take; anything else
            // comes hours to days later.
            let gap = !fromClient && lastFromClient
                ? exchange.expertResponseHours * 3_600 * rng.double(0.4...1.8)
                : rng.double(0.01...4) * 86_400
            lastFromClient = fromClient
            // A conversation still open today has only the messages written so far.
            let next = clock.addingTimeInterval(gap.rounded())
            if next > end, position > 0 { break }
            clock = min(end, next)
            var message = Message(
                id: rng.uuid(),
                conversationId: conversationId,
                authorId: fromClient ? exchange.clientUserId : exchange.expertUserId,
                body: rng.pick(FrenchNames.messageBodies, fitting: [exchange.scheme]),
                createdAt: clock,
                hlc: hlc(clock, counter: position)
            )
            if rng.chance(0.05) {
                let edited = min(end, clock.addingTimeInterval(600))
                message.editedAt = edited
                message.body += " (corrigé)"
                message.hlc = hlc(edited, counter: position)
            } else if rng.chance(0.03) {
                let deleted = min(end, clock.addingTimeInterval(300))
                message.deletedAt = deleted
                message.body = ""
                message.hlc = hlc(deleted, counter: position)
            }
            messages.append(try batch.insert(message))
        }
        if let last = messages.last?.createdAt {
            try batch.insert(ReadReceipt(conversationId: conversationId, userId: exchange.expertUserId, readUpTo: last))
            let clientRead = rng.chance(0.7) ? last : (messages.first?.createdAt ?? last)
            try batch.insert(ReadReceipt(conversationId: conversationId, userId: exchange.clientUserId, readUpTo: clientRead))
        }

        try insertDocuments(exchange, messages: messages, rng: &rng, into: &batch)

        // Clients rate within days of the end; one whose dossier ended lately may not have yet.
        if exchange.assignment.status == .completed, rng.chance(0.75),
            let rated = later(exchange.assignment.completedAt ?? end, days: rng.double(0...10)),
            ratedPairs.insert(Pair(clientId: exchange.clientId, expertId: exchange.expertId)).inserted
        {
            let score = rng.weighted([(5, 45), (4, 30), (3, 13), (2, 7), (1, 5)])
            try batch.insert(Rating(
                clientId: exchange.clientId,
                expertId: exchange.expertId,
                assignmentId: exchange.assignment.id,
                score: score,
                comment: rng.chance(0.85)
                    ? FrenchGrammar.agree(rng.review(for: score, scheme: exchange.scheme, from: FrenchNames.reviewComments), feminine: exchange.expertIsFeminine) : "",
                createdAt: rated,
                updatedAt: rated,
                hlc: hlc(rated)
            ))
        }
    }

    private func insertDocuments(_ exchange: Exchange, messages: [Message], rng: inout DemoRandom, into batch: inout StoreBatch) throws {
        let end = exchange.closed ?? today
        for number in 0..<rng.int(0...3) {
            let category: DocumentCategory = rng.weighted([(.invoice, 40), (.contract, 15), (.report, 20), (.certificate, 15), (.other, 10)])
            let byExpert = category == .report || category == .certificate && rng.chance(0.5)
            let author = byExpert ? exchange.expertUserId : exchange.clientUserId
            // Only what has been uploaded by today: the days between versions are drawn first.
            guard let created = later(exchange.opened, days: rng.double(0...20)) else { continue }
            let (title, fileStem) = Self.documentName(category, number: number + 1)
            let document = try batch.insert(Document(
                id: rng.uuid(), dossierId: exchange.dossierId, category: category,
                title: title, createdBy: author, createdAt: created
            ))
            var uploads = [created]
            for _ in 1..<rng.weighted([(1, 65), (2, 25), (3, 10)]) {
                guard let next = later(uploads[uploads.count - 1], days: rng.double(1...10)) else { break }
                uploads.append(next)
            }
            for (offset, uploaded) in uploads.enumerated() {
                let version = offset + 1
                let isLast = version == uploads.count
                var record = DocumentVersion(
                    id: rng.uuid(), documentId: document.id,
                    fileName: "\(fileStem)-v\(version).pdf", mediaType: "application/pdf",
                    byteCount: Int64(rng.int(18_000...3_500_000)), sha256: rng.hex64(),
                    uploadedBy: author, uploadedAt: uploaded, hlc: hlc(uploaded, counter: version)
                )
                if let store = configuration.documents {
                    // Real content, made from what the rows say (no draw from `rng`, so the rest of
                    // the data is the same with or without it).
                    let text = DemoDocument.text(category: category, title: title, version: version, dossier: exchange.dossierId, uploaded: uploaded)
                    let writer = try store.writer(durable: false)
                    try writer.append(Data(text.utf8))
                    record.sha256 = try writer.finish()
                    record.byteCount = Int64(writer.byteCount)
                    record.fileName = "\(fileStem)-v\(version).txt"
                    record.mediaType = "text/plain"
                }
                if !isLast {
                    let rejected = rng.chance(0.6)
                    record.validation = rejected ? .rejected : .validated
                    record.validationReason = rejected ? rng.pick(["Document illisible", "Période incomplète", "Signature manquante"]) : nil
                    record.validatedBy = exchange.expertUserId
                    record.validatedAt = min(end, uploaded.addingTimeInterval(86_400))
                } else if exchange.assignment.status == .completed || rng.chance(0.4),
                    // Judged the next day, if that day has come (or when the dossier closed).
                    exchange.closed != nil || uploaded.addingTimeInterval(86_400) <= today
                {
                    record.validation = .validated
                    record.validatedBy = exchange.expertUserId
                    record.validatedAt = min(end, uploaded.addingTimeInterval(86_400))
                }
                try batch.insert(record)
            }
            if let carrier = messages.first(where: { $0.authorId == author && $0.deletedAt == nil }), rng.chance(0.5) {
                try batch.insert(MessageAttachment(messageId: carrier.id, documentId: document.id))
            }
        }
    }

    private static func documentName(_ category: DocumentCategory, number: Int) -> (String, String) {
        switch category {
        case .invoice: ("Factures fournisseurs — lot \(number)", "factures-lot-\(number)")
        case .contract: ("Lettre de mission signée", "lettre-de-mission")
        case .report: ("Rapport d'analyse n° \(number)", "rapport-analyse-\(number)")
        case .certificate: ("Attestation de dépôt", "attestation-depot-\(number)")
        case .other: ("Extrait Kbis", "kbis-\(number)")
        }
    }
}
