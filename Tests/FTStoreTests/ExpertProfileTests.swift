import FTModel
@testable import FTStore
import Foundation
import GRDB
import Testing

/// Experts who apply and keep their profile: a pending expert born from an application, a taken
/// address told by e-mail, a saved profile that the public site's triggers see, a rejected
/// application back to review.
@Suite struct ExpertProfileTests {
    static let place = FrenchPostcodes.Place(city: "Bordeaux", region: "Nouvelle-Aquitaine", latitude: 44.84, longitude: -0.58)

    static func application(email: String = "anais@cabinet.example", schemes: [String]) -> ExpertApplication {
        ExpertApplication(email: email, password: "les dossiers avancent au printemps", profile: ExpertProfileForm(
            firstName: "Anaïs", lastName: "Rousseau", company: "Cabinet Rousseau", siret: "73282932000074", postcode: "33000",
            headline: "Le CIR des PME", schemes: schemes, dayRate: 900, successFeePercent: nil, languages: ["fr", "en"],
            certifications: ["Expert-comptable"], portfolio: [PortfolioItem(title: "Atelier", summary: "CIR", amountRecovered: 1_000, year: 2024)],
            yearsOfExperience: 12, bio: "## Méthode\n\nTexte."
        ))
    }

    static func link() -> (nonce: String, hash: Data) {
        let nonce = LinkTokens.nonce()
        return (nonce, LinkTokens.hash(nonce + "-token"))
    }

    @Test func anApplicationMakesAPendingExpertAndItsVerification() throws {
        let database = try Fixtures.seededDatabase(experts: 5, clients: 5)
        let codes = try database.schemeChoices().prefix(2).map(\.code)
        let link = Self.link()
        let outcome = try database.applyAsExpert(Self.application(schemes: codes), place: Self.place, passwordHash: "hash", nonce: link.nonce, tokenHash: link.hash, now: Fixtures.today).get()
        guard case .created(let userId) = outcome else { Issue.record("not created: \(outcome)"); return }
        let profile = try #require(try database.expertProfile(userId: userId))
        #expect(profile.approval == .pending && !profile.published && profile.slug == "anais-rousseau")
        #expect(profile.city == "Bordeaux" && profile.region == "Nouvelle-Aquitaine" && profile.profile.siret == "73282932000074")
        #expect(Set(profile.profile.schemes) == Set(codes) && profile.profile.languages == ["fr", "en"] && profile.profile.portfolio.count == 1)
        let (user, mails, action) = try database.writer.read { db in
            (try Row.fetchOne(db, sql: "SELECT role, emailVerified FROM user WHERE id = ?", arguments: [userId]),
             try String.fetchAll(db, sql: "SELECT kind FROM accountMail WHERE userId = ?", arguments: [userId]),
             try String.fetchOne(db, sql: "SELECT action FROM auditLog ORDER BY id DESC LIMIT 1"))
        }
        #expect(user == ["role": "expert", "emailVerified": 0] && mails == ["verify"] && action == "expert.apply")
        // The same name again gets a slug of its own.
        let second = try database.applyAsExpert(Self.application(email: "anais2@cabinet.example", schemes: codes), place: Self.place, passwordHash: "hash", nonce: Self.link().nonce, tokenHash: Self.link().hash, now: Fixtures.today).get()
        guard case .created(let secondId) = second else { Issue.record("not created: \(second)"); return }
        #expect(try database.expertProfile(userId: secondId)?.slug == "anais-rousseau-2")
    }

    @Test func aTakenAddressIsToldAndAnUnknownSchemeStoresNothing() throws {
        let database = try Fixtures.seededDatabase(experts: 5, clients: 5)
        let codes = try database.schemeChoices().prefix(1).map(\.code)
        let taken = try database.writer.read { db in try String.fetchOne(db, sql: "SELECT email FROM user WHERE role = 'client' LIMIT 1") } ?? ""
        let experts = try database.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM expert") }
        let link = Self.link()
        #expect(try database.applyAsExpert(Self.application(email: taken, schemes: codes), place: Self.place, passwordHash: "x", nonce: link.nonce, tokenHash: link.hash, now: Fixtures.today).get() == .taken)
        let unknown = try database.applyAsExpert(Self.application(schemes: ["NEXISTEPAS"]), place: Self.place, passwordHash: "x", nonce: Self.link().nonce, tokenHash: Self.link().hash, now: Fixtures.today)
        #expect(unknown.failure?.field == "schemes")
        let (after, mails) = try database.writer.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM expert"), try String.fetchAll(db, sql: "SELECT kind FROM accountMail"))
        }
        #expect(after == experts && mails == ["signupTaken"])
    }

    @Test func aSavedProfileIsWhatThePublicSiteRebuilds() throws {
        let database = try Fixtures.seededDatabase(experts: 5, clients: 5)
        let (userId, expertId) = try database.writer.read { db in
            let row = try #require(try Row.fetchOne(db, sql: "SELECT userId, id FROM expert WHERE approval = 'approved' AND active = 1 ORDER BY id LIMIT 1"))
            return (row["userId"] as Int64, row["id"] as Int64)
        }
        var profile = try #require(try database.expertProfile(userId: userId)).profile
        #expect(profile.siret.count == 14, "the seed gives experts a SIRET")
        func kindsSince(_ seq: Int64) throws -> [String] {
            try database.writer.read { db in
                try String.fetchAll(db, sql: "SELECT DISTINCT kind FROM siteChange WHERE seq > ? AND expertId = ?", arguments: [seq, expertId])
            }
        }
        func lastSeq() throws -> Int64 { try database.writer.read { db in try Int64.fetchOne(db, sql: "SELECT max(seq) FROM siteChange") } ?? 0 }
        let (city, latitude) = try database.writer.read { db in
            let row = try #require(try Row.fetchOne(db, sql: "SELECT city, latitude FROM expert WHERE id = ?", arguments: [expertId]))
            return (row["city"] as String, row["latitude"] as Double)
        }

        // A new bio, the same postcode: the expert stays where they are; only their pages change.
        var before = try lastSeq()
        profile.bio = "Une présentation nouvelle."
        #expect(try database.saveExpertProfile(userId: userId, profile, place: Self.place, now: Fixtures.today) == .saved(published: true, approval: .approved))
        let kept = try database.writer.read { db in try Row.fetchOne(db, sql: "SELECT bioMarkdown, city, latitude FROM expert WHERE id = ?", arguments: [expertId]) }
        #expect(kept?["bioMarkdown"] == "Une présentation nouvelle." && kept?["city"] == city && kept?["latitude"] == latitude)
        #expect(try kindsSince(before) == ["profile"])

        // A new postcode moves the expert: a structural change, as for any other write.
        before = try lastSeq()
        profile.postcode = "33000"
        #expect(try database.saveExpertProfile(userId: userId, profile, place: Self.place, now: Fixtures.today) == .saved(published: true, approval: .approved))
        #expect(try database.expertProfile(userId: userId)?.city == "Bordeaux")
        #expect(try kindsSince(before).contains("structure"))

        // Unchanged schemes write no specialty change; a scheme that does not exist is refused.
        profile.schemes = ["NEXISTEPAS"]
        #expect(try database.saveExpertProfile(userId: userId, profile, place: Self.place, now: Fixtures.today) == .refused(AccountProblem(field: "schemes", "Le dispositif « NEXISTEPAS » n’existe pas ou n’est plus proposé.")))
        // A client has no profile to save.
        let client = try database.writer.read { db in try Int64.fetchOne(db, sql: "SELECT userId FROM client LIMIT 1") } ?? 0
        #expect(try database.saveExpertProfile(userId: client, profile, place: Self.place, now: Fixtures.today) == .noProfile)
        #expect(try database.expertProfile(userId: client) == nil)
    }

    @Test func aRejectedApplicationGoesBackToReviewWhenSaved() throws {
        let database = try Fixtures.seededDatabase(experts: 5, clients: 5)
        let codes = try database.schemeChoices().prefix(1).map(\.code)
        let link = Self.link()
        guard case .created(let userId) = try database.applyAsExpert(Self.application(schemes: codes), place: Self.place, passwordHash: "x", nonce: link.nonce, tokenHash: link.hash, now: Fixtures.today).get() else {
            Issue.record("not created"); return
        }
        let admin = try database.writer.read { db in try Int64.fetchOne(db, sql: "SELECT id FROM user WHERE role = 'admin' LIMIT 1") } ?? 0
        try database.decideExpert(userId: userId, approve: false, reason: "Il manque l’attestation.", by: admin, now: Fixtures.today)
        let rejected = try #require(try database.expertProfile(userId: userId))
        #expect(rejected.approval == .rejected && rejected.rejectionReason == "Il manque l’attestation.")
        #expect(try database.saveExpertProfile(userId: userId, rejected.profile, place: Self.place, now: Fixtures.today) == .saved(published: false, approval: .pending))
        #expect(try database.expertProfile(userId: userId)?.approval == .pending)
    }
}

extension Result {
    fileprivate var failure: Failure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}
