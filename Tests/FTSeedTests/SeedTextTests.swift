import FTModel
@testable import FTSeed
@testable import FTStore
import Foundation
import GRDB
import Testing

/// The demo reads as real: no headline, biography, message or review speaks of a scheme the
/// expert or the dossier does not have, and no review's words contradict its score.
@Suite struct SeedTextTests {
    static func seeded() throws -> AppDatabase {
        let database = try AppDatabase.inMemory()
        let configuration = SeedConfiguration(experts: 80, clients: 300, seed: 17, today: SeedTests.today, passwordHasher: PasswordHasher(iterations: 1_000))
        _ = try DemoSeeder(configuration: configuration).seed(into: database)
        return database
    }

    @Test func headlinesAndBiosNameOnlyTheExpertsSchemes() throws {
        let database = try Self.seeded()
        let experts = try database.writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT e.firstName, e.headline, e.bioMarkdown, group_concat(p.code) AS codes FROM expert e
                JOIN expertSpecialty s ON s.expertId = e.id JOIN eligibleProduct p ON p.id = s.productId GROUP BY e.id
                """)
        }
        #expect(experts.count == 80)
        var specific = 0
        for expert in experts {
            let held = Set((expert["codes"] as String).split(separator: ",").map(String.init))
            let headline: String = expert["headline"]
            // Worded for the expert's gender, as the first name says.
            let feminine = FrenchNames.feminineFirstNames.contains(expert["firstName"] as String)
            let entry = try #require(FrenchNames.headlines.first { FrenchGrammar.agree($0.text, feminine: feminine) == headline },
                                     "\(headline) is not a catalogue headline worded for \(expert["firstName"] as String)")
            #expect(entry.fits(held), "\(headline) for an expert holding \(held.sorted())")
            specific += entry.schemes.isEmpty ? 0 : 1
            let bio: String = expert["bioMarkdown"]
            let paragraphs = FrenchNames.bioParagraphs.filter { bio.contains(FrenchGrammar.agree($0.text, feminine: feminine)) }
            #expect(!bio.contains("{") && !headline.contains("{"), "every choice is made")
            #expect(paragraphs.count == 2, "a portrait and a way of working")
            for paragraph in paragraphs {
                #expect(paragraph.fits(held), "« \(paragraph.text.prefix(60))… » for an expert holding \(held.sorted())")
            }
            #expect(paragraphs.filter { !$0.schemes.isEmpty }.count <= 1)
        }
        #expect(specific > experts.count / 2, "most headlines speak of the expert's own schemes: \(specific)")
    }

    @Test func textsAgreeWithTheExpertsGender() {
        #expect(FrenchGrammar.agree("{Consultant|Consultante} en CEE ; {Il|Elle} répond.", feminine: true) == "Consultante en CEE ; Elle répond.")
        #expect(FrenchGrammar.agree("{Consultant|Consultante} en CEE ; {Il|Elle} répond.", feminine: false) == "Consultant en CEE ; Il répond.")
        #expect(FrenchGrammar.agree("Sans choix {ici}.", feminine: true) == "Sans choix {ici}.")
        #expect(FrenchNames.feminineFirstNames.isSuperset(of: ["Marie", "Nathalie", "Camille", "Dominique", "Inès", "Yasmine"]))
        #expect(FrenchNames.feminineFirstNames.isDisjoint(with: ["Jean", "Pierre", "Mehdi", "Baptiste", "Théo", "Raphaël"]))
        // Every text with a choice has both sides, and nothing else uses braces.
        let texts = FrenchNames.headlines.map(\.text) + FrenchNames.bioParagraphs.map(\.text) + FrenchNames.reviewComments.map(\.text)
        for text in texts {
            #expect(!FrenchGrammar.agree(text, feminine: true).contains("{"), "\(text)")
            #expect(!FrenchGrammar.agree(text, feminine: false).contains("|"), "\(text)")
        }
    }

    @Test func messagesAndReviewsFitTheirDossierAndScore() throws {
        let database = try Self.seeded()
        let messages = try database.writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT m.body, p.code FROM message m JOIN conversation c ON c.id = m.conversationId
                JOIN dossier d ON d.id = c.dossierId JOIN eligibleProduct p ON p.id = d.productId WHERE m.deletedAt IS NULL
                """)
        }
        #expect(messages.count > 100)
        for message in messages {
            let body = (message["body"] as String).replacingOccurrences(of: " (corrigé)", with: "")
            let code: String = message["code"]
            let entry = try #require(FrenchNames.messageBodies.first { $0.text == body }, "\(body) is not a catalogue message")
            #expect(entry.fits([code]), "« \(body) » in a \(code) dossier")
        }
        let ratings = try database.writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT r.score, r.comment, p.code, e.firstName FROM rating r JOIN expertAssignment a ON a.id = r.assignmentId JOIN expert e ON e.id = r.expertId
                JOIN dossier d ON d.id = a.dossierId JOIN eligibleProduct p ON p.id = d.productId WHERE r.comment <> ''
                """)
        }
        #expect(ratings.count > 10)
        for rating in ratings {
            let comment: String = rating["comment"]
            let score: Int = rating["score"]
            let code: String = rating["code"]
            let feminine = FrenchNames.feminineFirstNames.contains(rating["firstName"] as String)
            let entry = try #require(FrenchNames.reviewComments.first { FrenchGrammar.agree($0.text, feminine: feminine) == comment },
                                     "\(comment) is not a catalogue review worded for \(rating["firstName"] as String)")
            #expect(entry.scores.contains(score), "« \(comment) » with \(score) stars")
            #expect(entry.schemes.isSubset(of: [code]), "« \(comment) » on a \(code) mission")
        }
    }
}
