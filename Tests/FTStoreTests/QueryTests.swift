@testable import FTStore
import FTModel
import Foundation
import GRDB
import Testing

/// The store's queries return what the seed put in, checked against independent SQL.
@Suite struct QueryTests {
    let database: AppDatabase

    init() throws {
        database = try Fixtures.seededDatabase(experts: 40, clients: 80)
    }

    @Test func publishedExpertsAreExactlyTheApprovedActiveOnes() throws {
        let expected = try database.writer.read { db in
            try Int64.fetchAll(db, sql: """
                SELECT e.id FROM expert e JOIN user u ON u.id = e.userId
                WHERE e.approval = 'approved' AND e.active AND u.active ORDER BY e.id
                """)
        }
        let listed = try database.publishedExperts(limit: 1_000).compactMap(\.id).sorted()
        #expect(listed == expected)
        #expect(try database.publishedExpertCount() == expected.count)
        // The seed also made some that must not be published.
        let all = try database.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM expert") ?? 0 }
        #expect(all > expected.count)
    }

    @Test func aRatingSummaryMatchesTheRatings() throws {
        let expertId = try #require(try database.writer.read { db in
            try Int64.fetchOne(db, sql: "SELECT expertId FROM rating GROUP BY expertId ORDER BY count(*) DESC LIMIT 1")
        })
        let scores = try database.writer.read { db in try Int.fetchAll(db, sql: "SELECT score FROM rating WHERE expertId = ?", arguments: [expertId]) }
        let summary = try database.ratingSummary(expertId: expertId)
        #expect(summary.count == scores.count)
        #expect(summary.average == Double(scores.reduce(0, +)) / Double(scores.count))
        #expect(summary.histogram == (1...5).map { star in scores.filter { $0 == star }.count })
        let latest = try database.latestRatings(expertId: expertId, limit: 3)
        #expect(latest.count == min(3, scores.count))
        #expect(latest.map(\.updatedAt) == latest.map(\.updatedAt).sorted(by: >))
    }

    @Test func theDemoClientSeesItsDossierWithTheDemoExpert() throws {
        let clientUser = try #require(try database.user(email: "client@financialtracker.example"))
        let expertUser = try #require(try database.user(email: "expert@financialtracker.example"))
        let clientUserId = try #require(clientUser.id)
        let client = try #require(try database.client(userId: clientUserId))
        let dossiers = try database.dossiers(clientId: try #require(client.id))
        let expertProfile = try #require(try database.publishedExperts(limit: 1_000).first { $0.userId == expertUser.id })
        let shared = try dossiers.filter { dossier in
            try dossier.status == .inProgress && database.assignments(dossierId: dossier.id ?? 0).contains { $0.expertId == expertProfile.id }
        }
        let inProgress = try #require(shared.first, "the demo client must have a dossier in progress with the demo expert")
        let dossierId = try #require(inProgress.id)
        let steps = try database.steps(dossierId: dossierId)
        #expect(steps.map(\.position) == [1, 2, 3, 4, 5])
        #expect(steps.map(\.type) == [.validation, .documentation, .expertise, .approval, .payment])
        let conversation = try #require(try database.conversation(dossierId: dossierId))
        let messages = try database.messages(conversationId: try #require(conversation.id))
        #expect(!messages.isEmpty)
        #expect(Set(messages.map(\.authorId)).isSubset(of: [clientUser.id, expertUser.id].compactMap { $0 }))
    }

    @Test func expertSearchIsAccentInsensitiveAndOnlyFindsPublishedExperts() throws {
        let published = try database.publishedExperts(limit: 1_000)
        let target = try #require(published.first { $0.city.contains { "éèêëàâîïôûç".contains($0) } } ?? published.first)
        let folded = target.city.folding(options: .diacriticInsensitive, locale: nil)
        let found = try database.searchExperts(folded.lowercased(), limit: 1_000)
        #expect(found.contains { $0.id == target.id })
        let hidden = try database.writer.read { db in
            try Expert.fetchAll(db, sql: "SELECT * FROM expert WHERE approval <> 'approved'")
        }
        let someHidden = try #require(hidden.first)
        let results = try database.searchExperts("\(someHidden.firstName) \(someHidden.lastName)", limit: 1_000)
        #expect(!results.contains { $0.id == someHidden.id })
    }

    @Test(arguments: ["", "   ", "\"", "AND OR NOT", "(", "*", "col:val"])
    func searchNeverFailsOnOddInput(text: String) throws {
        _ = try database.searchExperts(text)
        _ = try database.searchMessages(text, conversationIds: [1, 2, 3])
    }

    @Test func messageSearchStaysInsideTheGivenConversations() throws {
        let message = try #require(try database.writer.read { db in
            try Message.fetchOne(db, sql: "SELECT * FROM message WHERE deletedAt IS NULL AND length(body) > 20 ORDER BY rowid LIMIT 1")
        })
        let word = try #require(message.body.split(separator: " ").map(String.init).first { $0.count >= 6 && $0.allSatisfy(\.isLetter) })
        let mine = try database.searchMessages(word, conversationIds: [message.conversationId])
        #expect(mine.contains { $0.id == message.id })
        #expect(mine.allSatisfy { $0.conversationId == message.conversationId })
        let others = try database.searchMessages(word, conversationIds: [message.conversationId + 1_000_000])
        #expect(others.isEmpty)
    }

    @Test func deletedMessagesLeaveTheSearchIndex() throws {
        let message = try #require(try database.writer.read { db in
            try Message.fetchOne(db, sql: "SELECT * FROM message WHERE deletedAt IS NULL AND body LIKE '% %' ORDER BY rowid LIMIT 1")
        })
        let word = try #require(message.body.split(separator: " ").map(String.init).first { $0.count >= 5 && $0.allSatisfy(\.isLetter) })
        try database.execute(sql: "UPDATE message SET body = '', deletedAt = ? WHERE id = ?", arguments: [Fixtures.today, message.id], table: "message")
        let found = try database.searchMessages(word, conversationIds: [message.conversationId])
        #expect(!found.contains { $0.id == message.id })
    }

    @Test func documentVersionsComeOldestFirst() throws {
        let documentId = try #require(try database.writer.read { db in
            try String.fetchOne(db, sql: "SELECT documentId FROM documentVersion GROUP BY documentId HAVING count(*) > 1 LIMIT 1")
        })
        let versions = try database.versions(documentId: documentId)
        #expect(versions.count > 1)
        #expect(versions.map(\.hlc) == versions.map(\.hlc).sorted())
        #expect(versions.dropLast().allSatisfy { $0.validation != .pending })
    }

    @Test func recordsRoundTripUnchanged() throws {
        let expert = try #require(try database.publishedExperts(limit: 1).first)
        let copy = try #require(try database.expert(slug: expert.slug))
        #expect(copy == expert)
        #expect(!copy.certifications.isEmpty)
        #expect(copy.languages.first == "fr")
        #expect(!copy.portfolio.isEmpty)
    }
}
