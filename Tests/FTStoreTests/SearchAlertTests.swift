import FTModel
@testable import FTStore
import Foundation
import GRDB
import Testing

/// Saved searches: what a visitor may save, the double opt-in, and which new experts each
/// confirmed search is told of.
@Suite struct SearchAlertTests {
    static let key = LinkTokens(documentKey: try! DocumentKey.parse(DocumentKey.generate(), source: "test"))

    /// A saved search for `email`, and its link token.
    static func create(_ database: AppDatabase, _ email: String, _ criteria: SearchCriteria, at now: Date) throws -> (id: Int64?, token: String, problem: SearchAlertProblem?) {
        let nonce = LinkTokens.nonce()
        let token = key.searchAlertToken(nonce: nonce)
        switch try database.createSearchAlert(email: email, criteria: criteria, nonce: nonce, tokenHash: LinkTokens.hash(token), now: now) {
        case .success(let id): return (id, token, nil)
        case .failure(let problem): return (nil, token, problem)
        }
    }

    /// An expert of the seed (pending, or approved before the test's days) approved at `at`, in
    /// `region`, holding `product`.
    static func approve(_ database: AppDatabase, at: Date, region: String, product: String, language: String = "fr") throws -> String {
        try database.writer.write { db in
            let id = try #require(try Int64.fetchOne(db, sql: "SELECT id FROM expert WHERE approvedAt IS NULL OR approvedAt < ? ORDER BY id LIMIT 1", arguments: [Fixtures.today]))
            try db.execute(sql: "UPDATE expert SET approval = 'approved', approvedAt = ?, active = 1, region = ?, languages = json_array(?) WHERE id = ?", arguments: [at, region, language, id])
            try db.execute(sql: "INSERT OR IGNORE INTO expertSpecialty (expertId, productId) SELECT ?, id FROM eligibleProduct WHERE code = ?", arguments: [id, product])
            return try #require(try String.fetchOne(db, sql: "SELECT slug FROM expert WHERE id = ?", arguments: [id]))
        }
    }

    static func experts(in mails: [SearchAlertMail], alert: Int64?) -> [String]? {
        for mail in mails where mail.alert.id == alert {
            if case .experts(let experts) = mail.content { return experts.map(\.slug) }
        }
        return nil
    }

    @Test func aFormIsCheckedFieldByField() {
        #expect(SearchAlert.address("  Marie@Example.org ") == .success("Marie@Example.org"))
        for bad in ["", "marie", "marie@", "@example.org", "marie@example", "ma rie@example.org", "a@b@example.org", String(repeating: "a", count: 250) + "@example.org"] {
            guard case .failure(let problem) = SearchAlert.address(bad) else {
                Issue.record("\(bad) was taken as an address")
                continue
            }
            #expect(problem.field == "email")
        }
        #expect(SearchAlert.criteria(words: " TICPE  Lyon ", product: "TICPE", category: "energy", region: "Bretagne", language: "en")
            == .success(SearchCriteria(words: "TICPE  Lyon", product: "TICPE", category: .energy, region: "Bretagne", language: "en")))
        let refusals: [(SearchCriteria?, String)] = [
            (nil, "q"), (nil, "dispositif"), (nil, "categorie"), (nil, "langue"),
        ]
        let results = [
            SearchAlert.criteria(words: String(repeating: "x", count: 201), product: "", category: "", region: "", language: ""),
            SearchAlert.criteria(words: "", product: "TICPE; DROP", category: "", region: "", language: ""),
            SearchAlert.criteria(words: "", product: "", category: "cuisine", region: "", language: ""),
            SearchAlert.criteria(words: "", product: "", category: "", region: "", language: "xx"),
        ]
        for (result, (_, field)) in zip(results, refusals) {
            guard case .failure(let problem) = result else {
                Issue.record("\(field) was taken")
                continue
            }
            #expect(problem.field == field)
        }
        #expect(SearchCriteria(words: "Crédit d’impôt, CIR!").wordList == ["crédit", "d", "impôt", "cir"])
        #expect(SearchCriteria().frenchDescription == "tous les experts")
    }

    @Test func onlyExpertsApprovedAfterTheConfirmationThatMeetTheSearchAreTold() throws {
        let database = try Fixtures.seededDatabase(experts: 40, clients: 10)
        let start = Fixtures.today.addingTimeInterval(86_400)
        let (product, region, other) = try database.writer.read { db in
            (try #require(try String.fetchOne(db, sql: "SELECT code FROM eligibleProduct ORDER BY id LIMIT 1")),
             try #require(try String.fetchOne(db, sql: "SELECT region FROM expert ORDER BY id LIMIT 1")),
             try #require(try String.fetchOne(db, sql: "SELECT region FROM expert WHERE region <> (SELECT region FROM expert ORDER BY id LIMIT 1) LIMIT 1")))
        }
        let alert = try Self.create(database, "a@example.org", SearchCriteria(product: product, region: region, language: "en"), at: start)
        let everything = try Self.create(database, "b@example.org", SearchCriteria(), at: start)
        // Before confirming: only the confirmations are due.
        var mails = try database.searchAlertMails(now: start, domain: "example.org")
        #expect(mails.map(\.content) == [.confirmation, .confirmation])
        #expect(mails.map(\.mailId) == ["ft-alerte-\(alert.id ?? 0)-confirmation@example.org", "ft-alerte-\(everything.id ?? 0)-confirmation@example.org"])
        try database.markSearchAlertMailsSent(mails, at: start)
        let before = try Self.approve(database, at: start.addingTimeInterval(10), region: region, product: product, language: "en")
        #expect(try database.searchAlertMails(now: start.addingTimeInterval(20), domain: "example.org").isEmpty, "nothing before the confirmation")

        for token in [alert.token, everything.token] {
            guard case .done = try database.confirmSearchAlert(tokenHash: LinkTokens.hash(token), now: start.addingTimeInterval(30)) else {
                Issue.record("not confirmed")
                return
            }
        }
        let meets = try Self.approve(database, at: start.addingTimeInterval(40), region: region, product: product, language: "en")
        let elsewhere = try Self.approve(database, at: start.addingTimeInterval(41), region: other, product: product, language: "en")
        let french = try Self.approve(database, at: start.addingTimeInterval(42), region: region, product: product, language: "fr")
        mails = try database.searchAlertMails(now: start.addingTimeInterval(50), domain: "example.org")
        #expect(Self.experts(in: mails, alert: alert.id) == [meets])
        #expect(Self.experts(in: mails, alert: everything.id) == [meets, elsewhere, french], "no criteria: every new expert, oldest first")
        #expect(!(Self.experts(in: mails, alert: everything.id) ?? []).contains(before))
        try database.markSearchAlertMailsSent(mails, at: start.addingTimeInterval(50))
        #expect(try database.searchAlertMails(now: start.addingTimeInterval(60), domain: "example.org").isEmpty, "each expert is told once")

        // Stopped: nothing more.
        #expect(try database.cancelSearchAlert(tokenHash: LinkTokens.hash(alert.token), now: start.addingTimeInterval(70)) != .unknown)
        let later = try Self.approve(database, at: start.addingTimeInterval(80), region: region, product: product, language: "en")
        mails = try database.searchAlertMails(now: start.addingTimeInterval(90), domain: "example.org")
        #expect(Self.experts(in: mails, alert: alert.id) == nil)
        #expect(Self.experts(in: mails, alert: everything.id) == [later])
    }

    @Test func wordsMatchTheStartOfWordsWithoutAccents() throws {
        let database = try Fixtures.seededDatabase(experts: 40, clients: 10)
        let start = Fixtures.today.addingTimeInterval(86_400)
        let alert = try Self.create(database, "c@example.org", SearchCriteria(words: "ÉNERG"), at: start)
        let nobody = try Self.create(database, "d@example.org", SearchCriteria(words: "zzyzx"), at: start)
        for token in [alert.token, nobody.token] { _ = try database.confirmSearchAlert(tokenHash: LinkTokens.hash(token), now: start) }
        let (id, slug) = try database.writer.write { db in
            let id = try #require(try Int64.fetchOne(db, sql: "SELECT id FROM expert WHERE approvedAt IS NULL OR approvedAt < ? ORDER BY id LIMIT 1", arguments: [Fixtures.today]))
            try db.execute(sql: "UPDATE expert SET headline = 'Spécialiste de l’énergie industrielle', approval = 'approved', approvedAt = ?, active = 1 WHERE id = ?", arguments: [start.addingTimeInterval(5), id])
            return (id, try #require(try String.fetchOne(db, sql: "SELECT slug FROM expert WHERE id = ?", arguments: [id])))
        }
        let mails = try database.searchAlertMails(now: start.addingTimeInterval(10), domain: "example.org")
        #expect(Self.experts(in: mails, alert: alert.id) == [slug], "expert \(id)")
        #expect(Self.experts(in: mails, alert: nobody.id) == nil)
    }

    @Test func linksConfirmOnceWithinSevenDaysAndAnAddressCannotBeFlooded() throws {
        let database = try Fixtures.seededDatabase(experts: 8, clients: 4)
        let start = Fixtures.today
        let alerts = try (0..<4).map { _ in try Self.create(database, "flood@example.org", SearchCriteria(), at: start) }
        #expect(alerts.map { $0.problem?.field } == [nil, nil, nil, "email"], "three waiting for confirmation at one address, not four")
        #expect(try Self.create(database, "FLOOD@example.org", SearchCriteria(), at: start).problem?.field == "email", "the address, whatever its case")
        #expect(try Self.create(database, "x@example.org", SearchCriteria(product: "NOPE"), at: start).problem?.field == "dispositif")
        #expect(try Self.create(database, "x@example.org", SearchCriteria(region: "Atlantide"), at: start).problem?.field == "region")
        // A week later, the links have expired, and the address may ask again.
        let week = start.addingTimeInterval(SearchAlert.confirmationWindow + 1)
        #expect(try database.confirmSearchAlert(tokenHash: LinkTokens.hash(alerts[0].token), now: week) == .expired)
        #expect(try database.searchAlertMails(now: week, domain: "example.org").isEmpty, "no confirmation is sent for an expired link")
        let again = try Self.create(database, "flood@example.org", SearchCriteria(), at: week)
        #expect(again.problem == nil)
        guard case .done(let confirmed) = try database.confirmSearchAlert(tokenHash: LinkTokens.hash(again.token), now: week) else {
            Issue.record("not confirmed")
            return
        }
        #expect(confirmed.confirmedAt == week)
        guard case .alreadyDone = try database.confirmSearchAlert(tokenHash: LinkTokens.hash(again.token), now: week) else {
            Issue.record("confirmed twice")
            return
        }
        #expect(try database.confirmSearchAlert(tokenHash: LinkTokens.hash("not-a-token-of-ours-00000"), now: week) == .unknown)
        // The database holds hashes, not tokens.
        let stored = try database.writer.read { db in try String.fetchAll(db, sql: "SELECT hex(tokenHash) || nonce || criteria || email FROM searchAlert") }.joined()
        #expect(!stored.contains(again.token))
    }

    @Test func aFailingAddressIsRetriedThenTheAlertStops() throws {
        let database = try Fixtures.seededDatabase(experts: 8, clients: 4)
        let start = Fixtures.today
        _ = try Self.create(database, "bounce@example.org", SearchCriteria(), at: start)
        var now = start
        let policy = RetryPolicy()
        for attempt in 1...policy.maximumAttempts {
            let mails = try database.searchAlertMails(now: now, domain: "example.org")
            #expect(mails.count == 1, "attempt \(attempt)")
            guard let mail = mails.first else { return }
            #expect(mail.attempts == attempt - 1)
            let retry = policy.nextAttempt(after: attempt, at: now, jitter: 0.5)
            try database.markSearchAlertMailFailed(mail, error: "550 no such user", retryAt: retry, now: now)
            if let retry {
                #expect(try database.searchAlertMails(now: retry.addingTimeInterval(-1), domain: "example.org").isEmpty, "not before its retry")
                now = retry
            }
        }
        #expect(try database.searchAlertMails(now: now.addingTimeInterval(86_400), domain: "example.org").isEmpty, "given up")
        #expect(try database.writer.read { db in try Row.fetchOne(db, sql: "SELECT failedAt IS NOT NULL AS failed, lastError FROM searchAlert") }?["lastError"] == "550 no such user")
    }
}
