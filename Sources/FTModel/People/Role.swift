/// What a signed-in user is to the marketplace.
public enum Role: String, Sendable, Codable, CaseIterable {
    case client
    case expert
    case admin
}
