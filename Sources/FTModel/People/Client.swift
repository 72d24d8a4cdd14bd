public import Foundation

/// A business that hires experts to recover money. Owned by one `User` with the client role.
public struct Client: Sendable, Codable, Equatable, Identifiable {
    public var id: Int64?
    public var userId: Int64
    public var companyName: String
    /// The 9-digit French company identifier.
    public var siren: String
    public var city: String
    public var postcode: String
    public var region: String
    public var sector: String
    public var employeeCount: Int
    public var createdAt: Date
    /// Where the client is (its town's, from its postcode), for offering its dossiers to experts
    /// nearby; nil when unknown.
    public var latitude: Double?
    public var longitude: Double?

    public init(
        id: Int64? = nil,
        userId: Int64,
        companyName: String,
        siren: String,
        city: String,
        postcode: String,
        region: String,
        sector: String,
        employeeCount: Int,
        createdAt: Date,
        latitude: Double? = nil,
        longitude: Double? = nil
    ) {
        self.id = id
        self.userId = userId
        self.companyName = companyName
        self.siren = siren
        self.city = city
        self.postcode = postcode
        self.region = region
        self.sector = sector
        self.employeeCount = employeeCount
        self.createdAt = createdAt
        self.latitude = latitude
        self.longitude = longitude
    }
}
