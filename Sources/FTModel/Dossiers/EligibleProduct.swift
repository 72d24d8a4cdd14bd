/// A funding or tax scheme a client may qualify for (TICPE, URSSAF audit, CIR, …).
public struct EligibleProduct: Sendable, Codable, Equatable, Identifiable {
    public var id: Int64?
    /// Short stable code, e.g. `TICPE`; used in URLs.
    public var code: String
    public var name: String
    public var category: ProductCategory
    public var description: String
    /// Days an assignment on this product may stay open before its SLA is breached.
    public var slaDays: Int
    public var active: Bool
    /// What a client answers before a dossier opens (`Eligibility`).
    public var eligibilityQuestions: [EligibilityQuestion]

    public init(
        id: Int64? = nil,
        code: String,
        name: String,
        category: ProductCategory,
        description: String,
        slaDays: Int,
        active: Bool = true,
        eligibilityQuestions: [EligibilityQuestion] = []
    ) {
        self.id = id
        self.code = code
        self.name = name
        self.category = category
        self.description = description
        self.slaDays = slaDays
        self.active = active
        self.eligibilityQuestions = eligibilityQuestions
    }
}

/// The family a scheme belongs to; the marketplace lists experts by category.
public enum ProductCategory: String, Sendable, Codable, CaseIterable {
    case tax
    case social
    case energy
    case property
    case innovation
    case agriculture
    case funding

    /// Its name in the server's own French texts (e-mails); the site's pages take theirs from the
    /// locale file, which says the same.
    public var frenchName: String {
        switch self {
        case .tax: "Fiscalité"
        case .social: "Social"
        case .energy: "Énergie"
        case .property: "Immobilier et foncier"
        case .innovation: "Innovation"
        case .agriculture: "Agriculture"
        case .funding: "Aides et subventions"
        }
    }
}
