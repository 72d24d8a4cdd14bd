import FTModel
import Foundation
import Testing

/// What an expert's application and profile must be.
@Suite struct ExpertProfileFormTests {
    static func form(
        siret: String = "732 829 320 00074", schemes: [String] = ["CIR", " CIR ", "JEI"], dayRate: Int? = 900, fee: Int? = nil,
        languages: [String] = ["FR", "en", "fr"], certifications: [String] = ["  Expert-comptable ", "", "Expert-comptable"],
        portfolio: [PortfolioItem] = [PortfolioItem(title: " Atelier ", summary: "CIR rattrapé", amountRecovered: 180_000, year: 2024), PortfolioItem(title: "", summary: " ", year: 0)],
        years: Int = 12, bio: String = " ## Ma méthode\n\nTexte. "
    ) -> ExpertProfileForm {
        ExpertProfileForm(
            firstName: " Anaïs ", lastName: "Rousseau", company: "Cabinet Rousseau", siret: siret, postcode: "33000", headline: "Le CIR des PME",
            schemes: schemes, dayRate: dayRate, successFeePercent: fee, languages: languages, certifications: certifications,
            portfolio: portfolio, yearsOfExperience: years, bio: bio
        )
    }

    @Test func aSIRETIsFourteenDigitsWithALuhnKeyExceptLaPoste() throws {
        #expect(try SIRET.normalized("732 829 320 00074").get() == "73282932000074")
        // La Poste's establishments: the digits add up to a multiple of 5, whatever Luhn says.
        #expect(try SIRET.normalized("35600000000042").get() == "35600000000042")
        for wrong in ["73282932000075", "7328293200007", "732829320000744", "7328293200007A", "35600000000049", ""] {
            #expect(throws: AccountProblem.self, "\(wrong)") { try SIRET.normalized(wrong).get() }
        }
        #expect(SIRET.normalized("73282932000075").failure?.field == "siret")
    }

    @Test func theFormIsTrimmedAndItsListsWithoutRepeats() throws {
        let checked = try Self.form().check(year: 2026).get()
        #expect(checked.firstName == "Anaïs" && checked.siret == "73282932000074")
        #expect(checked.schemes == ["CIR", "JEI"] && checked.languages == ["fr", "en"] && checked.certifications == ["Expert-comptable"])
        #expect(checked.portfolio == [PortfolioItem(title: "Atelier", summary: "CIR rattrapé", amountRecovered: 180_000, year: 2024)])
        #expect(checked.bio == "## Ma méthode\n\nTexte.")
    }

    @Test func eachWrongFieldIsNamed() {
        let cases: [(ExpertProfileForm, String)] = [
            (Self.form(siret: "123"), "siret"),
            (Self.form(schemes: [" "]), "schemes"),
            (Self.form(dayRate: nil, fee: nil), "dayRate"),
            (Self.form(dayRate: 0), "dayRate"),
            (Self.form(fee: 120), "successFeePercent"),
            (Self.form(languages: []), "languages"),
            (Self.form(languages: ["xx"]), "languages"),
            (Self.form(certifications: Array(repeating: "", count: 3) + (1...13).map { "Certification \($0)" }), "certifications"),
            (Self.form(portfolio: [PortfolioItem(title: "Atelier", summary: "", year: 2031)]), "portfolio"),
            (Self.form(portfolio: [PortfolioItem(title: "", summary: "Sans titre", year: 2020)]), "portfolio"),
            (Self.form(portfolio: [PortfolioItem(title: "Atelier", summary: "", amountRecovered: -1, year: 2020)]), "portfolio"),
            (Self.form(years: 71), "yearsOfExperience"),
            (Self.form(bio: "   "), "bio"),
            (Self.form(bio: String(repeating: "a", count: 20_001)), "bio"),
        ]
        for (form, field) in cases {
            #expect(form.check(year: 2026).failure?.field == field, "\(field)")
        }
        var untitled = Self.form()
        untitled.headline = "Deux\nlignes"
        #expect(untitled.check(year: 2026).failure?.field == "headline")
    }

    @Test func anApplicationChecksTheProfileThenTheAccount() {
        let passwords = PasswordPolicy(common: ["motdepasse"])
        let good = ExpertApplication(email: " Anais@Cabinet.example ", password: "les dossiers avancent au printemps", profile: Self.form())
        #expect((try? good.check(year: 2026, passwords: passwords).get())?.email == "Anais@Cabinet.example", "trimmed; its case kept (addresses compare without it)")
        #expect(ExpertApplication(email: "pas une adresse", password: "les dossiers avancent", profile: Self.form()).check(year: 2026, passwords: passwords).failure?.field == "email")
        #expect(ExpertApplication(email: "a@b.fr", password: "Motdepasse2026!", profile: Self.form()).check(year: 2026, passwords: passwords).failure?.field == "password")
        #expect(ExpertApplication(email: "a@b.fr", password: "Motdepasse2026!", profile: Self.form(siret: "1")).check(year: 2026, passwords: passwords).failure?.field == "siret")
    }
}
