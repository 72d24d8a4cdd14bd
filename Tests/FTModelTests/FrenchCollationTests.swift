import FTModel
import Testing

/// French alphabetical order for names and regions (`FrenchCollation`).
@Suite struct FrenchCollationTests {
    @Test func regionsSortAsInADictionary() {
        let regions = ["Occitanie", "Île-de-France", "Auvergne-Rhône-Alpes", "Hauts-de-France", "Grand Est", "Bretagne", "Normandie", "Provence-Alpes-Côte d'Azur", "Centre-Val de Loire"]
        #expect(FrenchCollation.sorted(regions) == [
            "Auvergne-Rhône-Alpes", "Bretagne", "Centre-Val de Loire", "Grand Est", "Hauts-de-France", "Île-de-France",
            "Normandie", "Occitanie", "Provence-Alpes-Côte d'Azur",
        ])
        // Byte order put it last.
        #expect(regions.sorted().last == "Île-de-France")
    }

    @Test func accentsCaseAndLigaturesDoNotDecide() {
        #expect(FrenchCollation.sorted(["Zoé", "Émilie", "emma", "Eliott", "Œillet", "Odile", "Ophélie"]) == ["Eliott", "Émilie", "emma", "Odile", "Œillet", "Ophélie", "Zoé"])
        #expect(FrenchCollation.key("L'Haÿ-les-Roses") == "l hay les roses")
    }

    @Test func equalKeysKeepAFixedOrder() {
        #expect(FrenchCollation.sorted(["éte", "ete", "Ete"]) == FrenchCollation.sorted(["Ete", "éte", "ete"]))
        #expect(FrenchCollation.areInIncreasingOrder("Ete", "ete") != FrenchCollation.areInIncreasingOrder("ete", "Ete"))
    }
}
