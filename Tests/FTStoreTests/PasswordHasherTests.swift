import FTStore
import Foundation
import Testing

@Suite struct PasswordHasherTests {
    let hasher = PasswordHasher(iterations: 1_000)

    @Test func aHashVerifiesItsPasswordOnly() throws {
        let stored = try hasher.hash("correct horse battery staple")
        #expect(PasswordHasher.verify("correct horse battery staple", against: stored))
        #expect(!PasswordHasher.verify("correct horse battery stapler", against: stored))
        #expect(!PasswordHasher.verify("", against: stored))
    }

    @Test func theHashNeverContainsThePasswordAndIsSalted() throws {
        let password = "motdepasse-très-secret"
        let first = try hasher.hash(password)
        let second = try hasher.hash(password)
        #expect(!first.contains(password))
        #expect(!first.contains(Data(password.utf8).base64EncodedString()))
        #expect(first != second, "two hashes of one password must differ by their salt")
        #expect(first.hasPrefix("pbkdf2-sha256$1000$"))
    }

    @Test func theDefaultCostIsTheRecommendedOne() throws {
        #expect(PasswordHasher().iterations >= 600_000)
    }

    @Test(arguments: ["", "pbkdf2-sha256$1000$$", "md5$1$YQ==$YQ==", "pbkdf2-sha256$abc$YQ==$YQ==", "pbkdf2-sha256$0$YQ==$YQ=="])
    func malformedStoredHashesNeverMatch(stored: String) {
        #expect(!PasswordHasher.verify("anything", against: stored))
    }

    @Test func anEmptyPasswordIsRefused() {
        #expect(throws: PasswordError.emptyPassword) { try hasher.hash("") }
    }
}
