import FTModel
@testable import FTStore
import Foundation
import GRDB
import Testing

/// Accounts people open and look after: sign-up without telling whether an address is taken,
/// verification and reset links that work once and for a while, sessions ended by a new password.
@Suite struct AccountTests {
    static let key = LinkTokens(documentKey: try! DocumentKey.parse(DocumentKey.generate(), source: "test"))
    static let place = FrenchPostcodes.Place(city: "Lyon", region: "Auvergne-Rhône-Alpes")

    static func form(email: String = "jeanne@boulangerie.fr", siren: String = "732829320") -> SignUp {
        SignUp(company: "Boulangerie Martin", siren: siren, postcode: "69003", contactName: "Jeanne Martin", email: email, password: "farine et levain chaque matin")
    }

    /// A fresh link token and its hash.
    static func link() -> (nonce: String, token: String, hash: Data) {
        let nonce = LinkTokens.nonce()
        let token = key.accountToken(nonce: nonce)
        return (nonce, token, LinkTokens.hash(token))
    }

    @Test func aSignUpWaitsForItsAddressThenSignsIn() throws {
        let database = try Fixtures.seededDatabase(experts: 5, clients: 5)
        let now = Fixtures.today
        let hash = try Fixtures.hasher.hash("farine et levain chaque matin")
        let verification = Self.link()
        let outcome = try database.signUp(Self.form(), place: Self.place, passwordHash: hash, nonce: verification.nonce, tokenHash: verification.hash, now: now)
        guard case .created(let userId) = outcome else { Issue.record("not created: \(outcome)"); return }
        let user = try #require(try database.user(id: userId))
        #expect(!user.emailVerified && user.role == .client)
        let client = try #require(try database.client(userId: userId))
        #expect(client.city == "Lyon" && client.region == "Auvergne-Rhône-Alpes" && client.siren == "732829320")
        let mails = try database.accountMails(now: now)
        #expect(mails.map(\.kind) == [.verify] && mails.first?.email == "jeanne@boulangerie.fr")
        #expect(try database.authenticateEvenly(email: "jeanne@boulangerie.fr", password: "farine et levain chaque matin")?.emailVerified == false)

        // The link, once.
        #expect(try database.verifyEmail(tokenHash: Self.link().hash, now: now) == .unknown)
        guard case .done(let verified) = try database.verifyEmail(tokenHash: verification.hash, now: now.addingTimeInterval(60)) else { Issue.record("not verified"); return }
        #expect(verified.emailVerified)
        #expect(try database.verifyEmail(tokenHash: verification.hash, now: now.addingTimeInterval(120)) == .used)
        // Only the hash is stored.
        let stored = try database.writer.read { db in try Data.fetchAll(db, sql: "SELECT tokenHash FROM accountMail") }
        #expect(stored == [verification.hash])
        #expect(try database.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM auditLog WHERE action IN ('account.signup', 'account.verify') AND entityId = ?", arguments: [String(userId)]) } == 2)
    }

    @Test func aTakenAddressOrSIRENWritesNoAccountButTellsTheAddress() throws {
        let database = try Fixtures.seededDatabase(experts: 5, clients: 5)
        let now = Fixtures.today
        let taken = try #require(try database.writer.read { db in try String.fetchOne(db, sql: "SELECT email FROM user WHERE role = 'client' LIMIT 1") })
        let users = try database.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM user") }
        let first = Self.link()
        #expect(try database.signUp(Self.form(email: taken.uppercased()), place: Self.place, passwordHash: "x", nonce: first.nonce, tokenHash: first.hash, now: now) == .taken)
        let siren = try #require(try database.writer.read { db in try String.fetchOne(db, sql: "SELECT siren FROM client LIMIT 1") })
        let second = Self.link()
        #expect(try database.signUp(Self.form(email: "autre@exemple.fr", siren: siren), place: Self.place, passwordHash: "x", nonce: second.nonce, tokenHash: second.hash, now: now) == .taken)
        #expect(try database.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM user") } == users)
        #expect(try database.accountMails(now: now).map(\.kind) == [.signupTaken, .signupTaken])
        // Such an e-mail carries no working link.
        #expect(try database.verifyEmail(tokenHash: first.hash, now: now) == .unknown)
    }

    @Test func aResetWorksOnceWithinHalfAnHourAndEndsEverySession() throws {
        let database = try Fixtures.seededDatabase(experts: 5, clients: 5)
        let now = Fixtures.today
        let user = try #require(try database.user(email: "client@financialtracker.example"))
        let session = try #require(try database.openSession(for: user, now: now))
        let other = try #require(try database.openSession(for: user, now: now))

        let unknown = Self.link()
        try database.requestPasswordReset(email: "personne@exemple.fr", nonce: unknown.nonce, tokenHash: unknown.hash, now: now)
        let reset = Self.link()
        try database.requestPasswordReset(email: "CLIENT@financialtracker.example", nonce: reset.nonce, tokenHash: reset.hash, now: now)
        #expect(try database.accountMails(now: now).map(\.kind) == [.resetUnknown, .reset])
        #expect(try database.passwordResetLink(tokenHash: unknown.hash, now: now) == .unknown)
        #expect(try database.passwordResetLink(tokenHash: reset.hash, now: now.addingTimeInterval(31 * 60)) == .expired)
        guard case .done = try database.passwordResetLink(tokenHash: reset.hash, now: now.addingTimeInterval(60)) else { Issue.record("link refused"); return }

        let newHash = try Fixtures.hasher.hash("une nouvelle phrase secrète")
        guard case .done = try database.resetPassword(tokenHash: reset.hash, passwordHash: newHash, now: now.addingTimeInterval(60)) else { Issue.record("not reset"); return }
        #expect(try database.resetPassword(tokenHash: reset.hash, passwordHash: newHash, now: now.addingTimeInterval(90)) == .used)
        #expect(try database.user(token: session.token, now: now.addingTimeInterval(61)) == nil)
        #expect(try database.user(token: other.token, now: now.addingTimeInterval(61)) == nil)
        #expect(try database.authenticateEvenly(email: user.email, password: "une nouvelle phrase secrète") != nil)
        #expect(try database.authenticateEvenly(email: user.email, password: "demo-financialtracker") == nil)
    }

    @Test func aPasswordChangeKeepsTheSessionInUseOnly() throws {
        let database = try Fixtures.seededDatabase(experts: 5, clients: 5)
        let now = Fixtures.today
        let user = try #require(try database.user(email: "client@financialtracker.example"))
        let kept = try #require(try database.openSession(for: user, now: now))
        let ended = try #require(try database.openSession(for: user, now: now))
        #expect(try database.changePassword(userId: try #require(user.id), passwordHash: try Fixtures.hasher.hash("une nouvelle phrase secrète"), keeping: kept.token, now: now) == 1)
        #expect(try database.user(token: kept.token, now: now) != nil)
        #expect(try database.user(token: ended.token, now: now) == nil)
        #expect(try database.signOutEverywhere(userId: try #require(user.id), now: now) == 1)
        #expect(try database.user(token: kept.token, now: now) == nil)
    }

    @Test func aVerificationIsSentAgainAtMostEveryTenMinutes() throws {
        let database = try Fixtures.seededDatabase(experts: 5, clients: 5)
        let now = Fixtures.today
        let first = Self.link()
        guard case .created(let userId) = try database.signUp(Self.form(), place: Self.place, passwordHash: "x", nonce: first.nonce, tokenHash: first.hash, now: now) else { return }
        #expect(try !database.resendVerification(userId: userId, nonce: LinkTokens.nonce(), tokenHash: Self.link().hash, now: now.addingTimeInterval(60)))
        #expect(try database.resendVerification(userId: userId, nonce: LinkTokens.nonce(), tokenHash: Self.link().hash, now: now.addingTimeInterval(601)))
        let seeded = try #require(try database.user(email: "client@financialtracker.example")?.id)
        #expect(try !database.resendVerification(userId: seeded, nonce: LinkTokens.nonce(), tokenHash: Self.link().hash, now: now), "a verified account gets none")
    }
}
