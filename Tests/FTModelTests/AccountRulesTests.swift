import FTModel
import Foundation
import Testing

/// What a sign-up and a new password must be.
@Suite struct AccountRulesTests {
    static let passwords = PasswordPolicy(common: ["password", "motdepasse", "azertyuiop", "qwerty123456"])

    @Test func aSIRENIsNineDigitsWithALuhnKey() throws {
        #expect(try SIREN.normalized("732 829 320").get() == "732829320")
        #expect(try SIREN.normalized("552100554").get() == "552100554")
        for wrong in ["732829321", "73282932", "7328293200", "73282932A", ""] {
            #expect(throws: AccountProblem.self, "\(wrong)") { try SIREN.normalized(wrong).get() }
        }
        let problem = try #require(SIREN.normalized("732829321").failure)
        #expect(problem.field == "siren" && problem.message.contains("clé de contrôle"))
    }

    @Test func aPasswordIsLongAndNotCommon() {
        #expect(Self.passwords.problem("trois mots au hasard", email: "a@b.fr") == nil)
        #expect(Self.passwords.problem("court", email: "a@b.fr")?.message.contains("12 caractères") == true)
        for common in ["qwerty123456", "QWERTY123456", "Motdepasse2026!", "password12345", "aaaaaaaaaaaaaa", "ababababababab"] {
            #expect(Self.passwords.problem(common, email: "a@b.fr")?.message.contains("trop courant") == true, "\(common)")
        }
        #expect(Self.passwords.problem("jeanne.martin@exemple.fr", email: "jeanne.martin@exemple.fr") != nil)
        #expect(Self.passwords.problem("jeanne.martin-2026", email: "jeanne.martin@exemple.fr")?.field == "password")
        #expect(Self.passwords.problem("mot de passe\u{0}long", email: "a@b.fr")?.message.contains("contrôle") == true)
    }

    @Test func theShippedListIsRead() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../site-templates/data/common-passwords.txt")
        let policy = try PasswordPolicy(listAt: url)
        #expect(policy.problem("password1234", email: "a@b.fr") != nil)
        #expect(policy.problem("Azertyuiop2026", email: "a@b.fr") != nil)
        #expect(policy.problem("un cheval bleu mange des prunes", email: "a@b.fr") == nil)
    }

    @Test func aSignUpIsCheckedFieldByField() throws {
        func check(company: String = "Boulangerie Martin", siren: String = "732829320", postcode: String = "69003", name: String = "Jeanne Martin",
                   email: String = "jeanne@boulangerie.fr", password: String = "farine et levain chaque matin") -> Result<SignUp, AccountProblem> {
            SignUp.check(company: company, siren: siren, postcode: postcode, contactName: name, email: email, password: password, passwords: Self.passwords)
        }
        let form = try check(company: "  Boulangerie Martin ", siren: "732 829 320").get()
        #expect(form.company == "Boulangerie Martin" && form.siren == "732829320")
        #expect(check(company: " ").failure?.field == "company")
        #expect(check(company: "a\nb").failure?.field == "company")
        #expect(check(siren: "123").failure?.field == "siren")
        #expect(check(postcode: "6900").failure?.field == "postcode")
        #expect(check(name: "").failure?.field == "contactName")
        #expect(check(email: "jeanne").failure?.field == "email")
        #expect(check(password: "short").failure?.field == "password")
    }

    @Test func aPostcodeGivesItsTownRegionAndPlace() {
        let places = FrenchPostcodes(tsv: "# name\tpostcodes\tdepartement\nLyon\t69001 69003\t69\t45.7\t4.8\t1\tP\nAjaccio\t20000 20090\t2A\t41.9\t8.7\t1\tP\nVilleurbanne\t69100\t69\t0\t0\t1\t\n")
        #expect(places.place(postcode: "69003") == .init(city: "Lyon", region: "Auvergne-Rhône-Alpes", latitude: 45.7, longitude: 4.8))
        #expect(places.place(postcode: "20090") == .init(city: "Ajaccio", region: "Corse", latitude: 41.9, longitude: 8.7))
        #expect(places.place(postcode: "99999") == nil)
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}
