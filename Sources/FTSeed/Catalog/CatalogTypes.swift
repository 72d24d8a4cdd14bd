/// A real French city the demo data places people in.
struct DemoCity: Sendable {
    let name: String
    let postcode: String
    /// Official region name (2016 regions), e.g. "Auvergne-Rhône-Alpes".
    let region: String
    let latitude: Double
    let longitude: Double
}

/// A real French funding or tax scheme, seeded as an eligible product.
struct DemoScheme: Sendable {
    /// Short stable code, e.g. "TICPE".
    let code: String
    let name: String
    /// One of the `ProductCategory` raw values: tax, social, energy, property, innovation, agriculture, funding.
    let category: String
    /// Two or three French sentences: who qualifies, what is recovered.
    let description: String
    /// Days an assignment on this scheme may take before it breaches its SLA.
    let slaDays: Int
    /// Typical recovered amount range, in euros.
    let typicalAmount: ClosedRange<Int>
    /// Certifications an expert in this scheme plausibly holds.
    let certifications: [String]
}

/// A demo text and the schemes it names: it is used only for an expert, or in a dossier, holding
/// every one of them, so that a headline, a biography or a message never speaks of a scheme the
/// expert does not offer. Most name none and fit everyone.
struct SchemeText: Sendable {
    let text: String
    let schemes: Set<String>

    init(_ text: String, _ schemes: String...) {
        self.init(text, schemes: Set(schemes))
    }

    init(_ text: String, schemes: Set<String>) {
        self.text = text
        self.schemes = schemes
    }

    func fits(_ held: Set<String>) -> Bool { schemes.isSubset(of: held) }
}

/// Texts about a person are written once with both genders where they differ:
/// "{Consultant|Consultante} en …", "{Il|Elle} a repéré …".
enum FrenchGrammar {
    /// `text` with each `{masculine|feminine}` choice made.
    static func agree(_ text: String, feminine: Bool) -> String {
        var result = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{"), let bar = rest[open...].firstIndex(of: "|"), let close = rest[bar...].firstIndex(of: "}") {
            result += rest[..<open]
            result += feminine ? rest[rest.index(after: bar)..<close] : rest[rest.index(after: open)..<bar]
            rest = rest[rest.index(after: close)...]
        }
        return result + rest
    }
}

/// A review, the scores it goes with ("Service moyen" is not a five-star review) and the schemes
/// it names.
struct ReviewText: Sendable {
    let content: SchemeText
    let scores: ClosedRange<Int>

    var text: String { content.text }
    var schemes: Set<String> { content.schemes }

    init(_ text: String, scores: ClosedRange<Int>, _ schemes: String...) {
        content = SchemeText(text, schemes: Set(schemes))
        self.scores = scores
    }
}

extension DemoRandom {
    /// One of `texts` that fits `held`: one naming a held scheme with probability `specific`
    /// when there is one, else one naming none.
    mutating func pick(_ texts: [SchemeText], fitting held: Set<String>, specific probability: Double = 0.75) -> String {
        let specific = texts.filter { !$0.schemes.isEmpty && $0.fits(held) }
        let general = texts.filter(\.schemes.isEmpty)
        if !specific.isEmpty, general.isEmpty || chance(probability) { return pick(specific).text }
        return general.isEmpty ? "" : pick(general).text
    }

    /// A review that fits `score` and names no scheme but `scheme`'s: one naming it half the time
    /// when there is one.
    mutating func review(for score: Int, scheme: String, from reviews: [ReviewText]) -> String {
        pick(reviews.filter { $0.scores.contains(score) }.map(\.content), fitting: [scheme], specific: 0.5)
    }
}
