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
