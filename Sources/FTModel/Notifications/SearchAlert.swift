public import Foundation

/// A visitor's saved search on the public search page: the criteria a new expert must meet to be
/// e-mailed about. Empty criteria are left out; none at all means every new expert. The place and
/// radius, minimum rating and sort of the search page are not kept: a new expert has no reviews,
/// and the place is looked up in the browser.
public struct SearchCriteria: Sendable, Codable, Equatable {
    /// Words, each matching the start of a word of the expert's name, company, headline, town,
    /// region or bio (as the public search does).
    public var words: String
    /// A scheme's code (`CIR`, `TICPE`…).
    public var product: String?
    public var category: ProductCategory?
    /// A region's name, as the public pages spell it.
    public var region: String?
    /// A language code (`fr`, `en`…).
    public var language: String?

    public init(words: String = "", product: String? = nil, category: ProductCategory? = nil, region: String? = nil, language: String? = nil) {
        self.words = words
        self.product = product
        self.category = category
        self.region = region
        self.language = language
    }

    /// The longest words a saved search keeps.
    public static let wordsLimit = 200

    /// "« Lyon » · dispositif TICPE · domaine Énergie · Bretagne", or "tous les experts".
    public var frenchDescription: String {
        var parts: [String] = []
        if !words.isEmpty { parts.append("« \(words) »") }
        if let product { parts.append("dispositif \(product)") }
        if let category { parts.append("domaine \(category.frenchName)") }
        if let region { parts.append(region) }
        if let language { parts.append("langue : \(language)") }
        return parts.isEmpty ? "tous les experts" : parts.joined(separator: " · ")
    }

    /// The words, lowercased, split on anything that is not a letter or a digit, at most 8.
    public var wordList: [String] {
        Array(words.lowercased().split { !($0.isLetter || $0.isNumber) }.map(String.init).prefix(8))
    }
}

/// Why a saved search or its e-mail address was refused: a French sentence naming the field.
public struct SearchAlertProblem: Error, Sendable, Equatable {
    public var field: String
    public var message: String
    /// Refused for the address's number of alerts, not for what was typed (HTTP 429).
    public var isLimit: Bool

    public init(field: String, _ message: String, isLimit: Bool = false) {
        self.field = field
        self.message = message
        self.isLimit = isLimit
    }
}

/// A saved search as its owner sees it in an e-mail.
public struct SearchAlert: Sendable, Equatable, Identifiable {
    public var id: Int64
    public var email: String
    public var criteria: SearchCriteria
    public var createdAt: Date
    public var confirmedAt: Date?
    public var cancelledAt: Date?

    public init(id: Int64, email: String, criteria: SearchCriteria, createdAt: Date, confirmedAt: Date?, cancelledAt: Date?) {
        self.id = id
        self.email = email
        self.criteria = criteria
        self.createdAt = createdAt
        self.confirmedAt = confirmedAt
        self.cancelledAt = cancelledAt
    }

    /// How long a confirmation link works.
    public static let confirmationWindow: TimeInterval = 7 * 86_400
    /// At most this many alerts wait for confirmation per address at a time: the form cannot be
    /// used to flood someone's mailbox.
    public static let unconfirmedLimit = 3
    /// At most this many confirmed alerts per address.
    public static let activeLimit = 10
}

extension SearchAlert {
    /// A checked e-mail address (`EmailAddress.checked`).
    public static func address(_ text: String) -> Result<String, SearchAlertProblem> {
        EmailAddress.checked(text).map { .success($0) } ?? .failure(SearchAlertProblem(field: "email", EmailAddress.refusal(text)))
    }

    /// The criteria a form sent, checked for shape: the words' length, a known category, a
    /// language code. Whether the scheme and the region exist is for the store to say.
    public static func criteria(words: String, product: String, category: String, region: String, language: String) -> Result<SearchCriteria, SearchAlertProblem> {
        let words = words.trimmingCharacters(in: .whitespacesAndNewlines)
        if words.count > SearchCriteria.wordsLimit {
            return .failure(SearchAlertProblem(field: "q", "La recherche fait au plus \(SearchCriteria.wordsLimit) caractères."))
        }
        if words.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            return .failure(SearchAlertProblem(field: "q", "La recherche ne peut pas contenir de caractères de contrôle."))
        }
        var criteria = SearchCriteria(words: words)
        let trimmed = { (text: String) in text.trimmingCharacters(in: .whitespaces) }
        if !trimmed(product).isEmpty {
            let code = trimmed(product)
            guard (2...32).contains(code.count), code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else {
                return .failure(SearchAlertProblem(field: "dispositif", "Dispositif inconnu « \(String(code.prefix(40))) »."))
            }
            criteria.product = code
        }
        if !trimmed(category).isEmpty {
            guard let known = ProductCategory(rawValue: trimmed(category)) else {
                return .failure(SearchAlertProblem(field: "categorie", "Domaine inconnu « \(String(trimmed(category).prefix(40))) »."))
            }
            criteria.category = known
        }
        if !trimmed(region).isEmpty {
            guard trimmed(region).count <= 80 else { return .failure(SearchAlertProblem(field: "region", "Région inconnue.")) }
            criteria.region = trimmed(region)
        }
        if !trimmed(language).isEmpty {
            let code = trimmed(language)
            guard Expert.languageCodes.contains(code) else {
                return .failure(SearchAlertProblem(field: "langue", "Langue inconnue « \(String(code.prefix(40))) »."))
            }
            criteria.language = code
        }
        return .success(criteria)
    }
}
