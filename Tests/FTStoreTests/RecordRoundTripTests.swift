@testable import FTStore
import FTModel
import Foundation
import GRDB
import Testing

/// The records inserted through `StoreBatch`'s fast path come back exactly as written, every
/// optional field filled, so the hand-listed columns match the schema and the Codable reading.
@Suite struct RecordRoundTripTests {
    // Whole seconds: a stored fraction of a second reads back a few ulps off.
    static let day = Date(timeIntervalSince1970: 1_795_132_801)

    @Test func everyBulkRecordRoundTrips() throws {
        let database = try AppDatabase.inMemory()
        let t = Self.day
        let written = try database.batch { batch in
            let admin = try batch.insert(User(email: "a@exemple.example", passwordHash: "h", role: .admin, displayName: "Admin", phone: "+33 1", active: true, createdAt: t, lastSeenAt: t))
            let user = try batch.insert(User(email: "c@exemple.example", role: .client, displayName: "Cliente", active: false, createdAt: t))
            let client = try batch.insert(Client(userId: user.id ?? 0, companyName: "Boulangerie Martin", siren: "732829320", city: "Nîmes", postcode: "30000", region: "Occitanie", sector: "Commerce", employeeCount: 12, createdAt: t))
            let product = try batch.insert(EligibleProduct(code: "TICPE", name: "TICPE", category: .tax, description: "d", slaDays: 60))
            let dossier = try batch.insert(Dossier(clientId: client.id ?? 0, productId: product.id ?? 0, status: .done, estimatedCents: 123_456, obtainedCents: 120_000, createdAt: t, updatedAt: t, closedAt: t))
            let expertUser = try batch.insert(User(email: "e@exemple.example", role: .expert, displayName: "Expert", createdAt: t))
            let expert = try batch.insert(Expert(userId: expertUser.id ?? 0, slug: "e", firstName: "É", lastName: "L", company: "C", headline: "H", city: "Lyon", postcode: "69001", region: "Auvergne-Rhône-Alpes", latitude: 45.76, longitude: 4.83, bioMarkdown: "**b**", certifications: ["x"], languages: ["fr", "en"], portfolio: [PortfolioItem(title: "t", summary: "s", amountRecovered: 5, year: 2025)], yearsOfExperience: 4, dayRate: 800, successFeePercent: 20, lastActiveDay: t, approval: .approved, approvedAt: t, approvedBy: admin.id, createdAt: t, updatedAt: t))
            let assignment = try batch.insert(ExpertAssignment(dossierId: dossier.id ?? 0, expertId: expert.id ?? 0, status: .completed, requestedAt: t, acceptedAt: t, startedAt: t, completedAt: t, cancelledAt: t))
            let step = try batch.insert(DossierStep(dossierId: dossier.id ?? 0, position: 1, type: .payment, status: .completed, priority: .urgent, assigneeRole: .admin, progress: 100, dueAt: t, completedAt: t, updatedAt: t))
            let document = try batch.insert(Document(id: "doc-1", dossierId: dossier.id ?? 0, category: .certificate, title: "Attestation", createdBy: user.id ?? 0, createdAt: t))
            let version = try batch.insert(DocumentVersion(id: "v-1", documentId: "doc-1", fileName: "a.pdf", mediaType: "application/pdf", byteCount: 42, sha256: String(repeating: "ab", count: 32), uploadedBy: user.id ?? 0, uploadedAt: t, hlc: "h", validation: .rejected, validationReason: "illisible", validatedBy: expertUser.id, validatedAt: t, storage: .archived))
            let conversation = try batch.insert(Conversation(dossierId: dossier.id ?? 0, createdAt: t))
            let message = try batch.insert(Message(id: "m-1", conversationId: conversation.id ?? 0, authorId: user.id ?? 0, body: "", createdAt: t, editedAt: t, deletedAt: t, hlc: "h"))
            let attachment = try batch.insert(MessageAttachment(messageId: "m-1", documentId: "doc-1"))
            let receipt = try batch.insert(ReadReceipt(conversationId: conversation.id ?? 0, userId: user.id ?? 0, readUpTo: t))
            let rating = try batch.insert(Rating(clientId: client.id ?? 0, expertId: expert.id ?? 0, assignmentId: assignment.id, score: 4, comment: "Très bien", createdAt: t, updatedAt: t, hlc: "h"))
            let notification = try batch.insert(UserNotification(userId: user.id ?? 0, kind: .stepOverdue, title: "t", body: "b", target: "/app/", createdAt: t, readAt: t))
            let entry = try batch.insert(AuditEntry(actorId: admin.id, action: "expert.approve", entityType: "expert", entityId: "1", detail: #"{"a":1}"#, createdAt: t))
            return (admin, user, client, dossier, assignment, step, document, version, conversation, message, attachment, receipt, rating, notification, entry)
        }
        try database.writer.read { (db: Database) throws -> Void in
            #expect(try User.fetchOne(db, key: written.0.id) == written.0)
            #expect(try User.fetchOne(db, key: written.1.id) == written.1)
            #expect(try Client.fetchOne(db, key: written.2.id) == written.2)
            #expect(try Dossier.fetchOne(db, key: written.3.id) == written.3)
            #expect(try ExpertAssignment.fetchOne(db, key: written.4.id) == written.4)
            #expect(try DossierStep.fetchOne(db, key: written.5.id) == written.5)
            #expect(try Document.fetchOne(db, key: "doc-1") == written.6)
            #expect(try DocumentVersion.fetchOne(db, key: "v-1") == written.7)
            #expect(try Conversation.fetchOne(db, key: written.8.id) == written.8)
            #expect(try Message.fetchOne(db, key: "m-1") == written.9)
            #expect(try MessageAttachment.fetchAll(db) == [written.10])
            #expect(try ReadReceipt.fetchAll(db) == [written.11])
            #expect(try Rating.fetchOne(db, key: written.12.id) == written.12)
            #expect(try UserNotification.fetchOne(db, key: written.13.id) == written.13)
            #expect(try AuditEntry.fetchOne(db, key: written.14.id) == written.14)
        }
    }

    /// An expert's certifications and languages: plain arrays read directly, the rest as JSON.
    @Test(arguments: [
        (#"["a","b"]"#, ["a", "b"]),
        ("[]", []),
        (#" [ "Nîmes" , "l'été" ] "#, ["Nîmes", "l'été"]),
        (#"["a\"b","\u00e9"]"#, ["a\"b", "é"]),
        (#"["a",1,null]"#, ["a"]),
        (#"["a""#, []),
        (#"{"a":"b"}"#, []),
        ("", []),
    ])
    func expertStringArrays(text: String, expected: [String]) {
        #expect(Expert.strings(text) == expected)
    }

    /// An expert's portfolio: plain objects read directly (`PlainJSON`), any other shape by
    /// JSONSerialization, with the same items either way.
    @Test(arguments: [
        (#"[{"amountRecovered":34874,"summary":"Suivi jusqu'au remboursement","title":"DFS à Nîmes","year":2021}]"#, true,
         [PortfolioItem(title: "DFS à Nîmes", summary: "Suivi jusqu'au remboursement", amountRecovered: 34874, year: 2021)]),
        (#" [ { "year" : -0 , "title" : "t" , "summary" : "s" , "other" : "x" } , {"title":"u","summary":"v","year":7,"amountRecovered":-5} ] "#, true,
         [PortfolioItem(title: "t", summary: "s", amountRecovered: nil, year: 0), PortfolioItem(title: "u", summary: "v", amountRecovered: -5, year: 7)]),
        ("[]", true, []),
        (#"[{"title":"t","summary":"s"},{"title":"t","summary":"s","year":"2020"}]"#, true, []),
        (#"[{"title":"a\"b","summary":"s","year":2020}]"#, false, [PortfolioItem(title: "a\"b", summary: "s", amountRecovered: nil, year: 2020)]),
        (#"[{"title":"t","summary":"s","year":2020.0,"amountRecovered":null}]"#, false, [PortfolioItem(title: "t", summary: "s", amountRecovered: nil, year: 2020)]),
        (#"[{"title":"t","summary":"s","year":2020,"amountRecovered":1e3}]"#, false, [PortfolioItem(title: "t", summary: "s", amountRecovered: 1000, year: 2020)]),
        (#"[{"title":"t","summary":"s","year":2020},3]"#, false, []),
        (#"[{"title":"t","summary":"s","year":2020}"#, false, []),
        (#"[{"title":"t","summary":"s","year":02020}]"#, false, []),
        (#"[{"title":"t","title":"u","summary":"s","year":1}]"#, false, nil),
    ] as [(String, Bool, [PortfolioItem]?)])
    func expertPortfolios(text: String, plain: Bool, expected: [PortfolioItem]?) throws {
        #expect((PlainJSON.objects(text) != nil) == plain)
        let items = Expert.portfolio(text)
        if let expected { #expect(items == expected) }
        // Whatever the path, what JSONSerialization alone makes of it.
        let reference = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [[String: Any]]
        let referenceItems = (reference ?? []).compactMap { item -> PortfolioItem? in
            guard let title = item["title"] as? String, let summary = item["summary"] as? String, let year = (item["year"] as? NSNumber)?.intValue else { return nil }
            return PortfolioItem(title: title, summary: summary, amountRecovered: (item["amountRecovered"] as? NSNumber)?.intValue, year: year)
        }
        #expect(items == referenceItems)
    }

    /// `DatabaseDate` writes exactly what GRDB's own `DateFormatter` writes.
    @Test func fastDatesMatchGRDB() {
        var generator = SystemRandomNumberGenerator()
        var dates = [Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 951_782_400), Date(timeIntervalSince1970: 4_102_444_799.999), Self.day]
        for _ in 0..<2_000 {
            dates.append(Date(timeIntervalSince1970: Double.random(in: -2_000_000_000...4_000_000_000, using: &generator)))
        }
        for date in dates {
            #expect(DatabaseDate.string(from: date).databaseValue == date.databaseValue, "\(date.timeIntervalSince1970)")
        }
    }
}
