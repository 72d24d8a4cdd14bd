public import Foundation

/// A consultant with a public profile on the marketplace. Owned by one `User` with the expert role.
///
/// Only an expert that is approved, active and whose user is active is published.
public struct Expert: Sendable, Codable, Equatable, Identifiable {
    public var id: Int64?
    public var userId: Int64
    /// The URL path component of the public profile, unique.
    public var slug: String
    public var firstName: String
    public var lastName: String
    public var company: String
    /// The establishment's SIRET (14 digits) the expert declared, for the admins; never published.
    /// Nil for the experts that came before applications.
    public var siret: String?
    public var headline: String
    public var city: String
    public var postcode: String
    public var region: String
    public var latitude: Double
    public var longitude: Double
    /// The biography in GitHub-flavoured Markdown, written by the expert (untrusted).
    public var bioMarkdown: String
    public var certifications: [String]
    /// ISO 639-1 language codes.
    public var languages: [String]
    public var portfolio: [PortfolioItem]
    public var yearsOfExperience: Int
    /// Day rate in euros, when the expert bills by the day.
    public var dayRate: Int?
    /// Success fee as a percentage of the amount recovered, when the expert bills on results.
    public var successFeePercent: Int?
    /// The day (midnight UTC) of the expert's latest real action: a message, a document version
    /// uploaded or judged, a step moved. Kept by the database itself, to the day, so that the
    /// public profile is rebuilt at most once a day for it; nil before any action.
    public var lastActiveDay: Date?
    public var approval: ApprovalStatus
    public var approvedAt: Date?
    public var approvedBy: Int64?
    public var active: Bool
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: Int64? = nil,
        userId: Int64,
        slug: String,
        firstName: String,
        lastName: String,
        company: String,
        siret: String? = nil,
        headline: String,
        city: String,
        postcode: String,
        region: String,
        latitude: Double,
        longitude: Double,
        bioMarkdown: String,
        certifications: [String] = [],
        languages: [String] = ["fr"],
        portfolio: [PortfolioItem] = [],
        yearsOfExperience: Int,
        dayRate: Int? = nil,
        successFeePercent: Int? = nil,
        lastActiveDay: Date? = nil,
        approval: ApprovalStatus = .pending,
        approvedAt: Date? = nil,
        approvedBy: Int64? = nil,
        active: Bool = true,
        createdAt: Date,
        updatedAt: Date
    ) {
        self.id = id
        self.userId = userId
        self.slug = slug
        self.firstName = firstName
        self.lastName = lastName
        self.company = company
        self.siret = siret
        self.headline = headline
        self.city = city
        self.postcode = postcode
        self.region = region
        self.latitude = latitude
        self.longitude = longitude
        self.bioMarkdown = bioMarkdown
        self.certifications = certifications
        self.languages = languages
        self.portfolio = portfolio
        self.yearsOfExperience = yearsOfExperience
        self.dayRate = dayRate
        self.successFeePercent = successFeePercent
        self.lastActiveDay = lastActiveDay
        self.approval = approval
        self.approvedAt = approvedAt
        self.approvedBy = approvedBy
        self.active = active
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public var fullName: String { "\(firstName) \(lastName)" }

    /// The languages the site offers to search by, in the order it lists them.
    public static let languageCodes = ["fr", "en", "de", "es", "it", "pt", "ar", "nl", "zh", "ro", "pl"]
}

/// Where an expert stands in the admins' review of its profile.
public enum ApprovalStatus: String, Sendable, Codable, CaseIterable {
    case pending
    case approved
    case rejected
}

/// A case study an expert shows on its profile.
public struct PortfolioItem: Sendable, Codable, Equatable {
    public var title: String
    public var summary: String
    /// Amount recovered for that client, in euros.
    public var amountRecovered: Int?
    public var year: Int

    public init(title: String, summary: String, amountRecovered: Int? = nil, year: Int) {
        self.title = title
        self.summary = summary
        self.amountRecovered = amountRecovered
        self.year = year
    }
}

/// One eligible product an expert works on.
public struct ExpertSpecialty: Sendable, Codable, Equatable, Hashable {
    public var expertId: Int64
    public var productId: Int64

    public init(expertId: Int64, productId: Int64) {
        self.expertId = expertId
        self.productId = productId
    }
}
