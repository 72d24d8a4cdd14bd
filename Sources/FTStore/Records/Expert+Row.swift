public import GRDB
public import FTModel
internal import Foundation

// Experts are read by the ten thousand for every site build: decoded by hand, with the three JSON
// columns parsed by JSONSerialization (Codable's keyed containers and JSONDecoder took most of the
// build's read time).
extension Expert {
    public init(row: Row) throws {
        self.init(
            id: row["id"],
            userId: row["userId"],
            slug: row["slug"],
            firstName: row["firstName"],
            lastName: row["lastName"],
            company: row["company"],
            siret: row["siret"],
            headline: row["headline"],
            city: row["city"],
            postcode: row["postcode"],
            region: row["region"],
            latitude: row["latitude"],
            longitude: row["longitude"],
            bioMarkdown: row["bioMarkdown"],
            certifications: Self.strings(row["certifications"]),
            languages: Self.strings(row["languages"]),
            portfolio: Self.portfolio(row["portfolio"]),
            yearsOfExperience: row["yearsOfExperience"],
            dayRate: row["dayRate"],
            successFeePercent: row["successFeePercent"],
            lastActiveDay: row["lastActiveDay"],
            approval: ApprovalStatus(rawValue: row["approval"]) ?? .pending,
            approvedAt: row["approvedAt"],
            approvedBy: row["approvedBy"],
            active: row["active"],
            createdAt: row["createdAt"],
            updatedAt: row["updatedAt"]
        )
    }

    private static func json(_ text: String?) -> Any? {
        guard let data = text?.data(using: .utf8) else { return nil }
        return try? JSONSerialization.jsonObject(with: data)
    }

    /// A JSON array's strings (anything else in it skipped; not an array: none). The common
    /// shape, strings without escapes, is read directly (`PlainJSON`); the rest by JSONSerialization.
    static func strings(_ text: String?) -> [String] {
        if let text, let plain = PlainJSON.strings(text) { return plain }
        return (json(text) as? [Any])?.compactMap { $0 as? String } ?? []
    }

    /// An expert's case studies: the common shape (objects of plain strings and integers) read
    /// directly (`PlainJSON`), the rest by JSONSerialization, with the same result.
    static func portfolio(_ text: String?) -> [PortfolioItem] {
        if let text, let objects = PlainJSON.objects(text) {
            return objects.compactMap { item in
                guard case .string(let title)? = item["title"], case .string(let summary)? = item["summary"], case .integer(let year)? = item["year"] else { return nil }
                var amount: Int?
                if case .integer(let value)? = item["amountRecovered"] { amount = value }
                return PortfolioItem(title: title, summary: summary, amountRecovered: amount, year: year)
            }
        }
        guard let items = json(text) as? [[String: Any]] else { return [] }
        return items.compactMap { item in
            guard let title = item["title"] as? String, let summary = item["summary"] as? String,
                let year = (item["year"] as? NSNumber)?.intValue
            else { return nil }
            return PortfolioItem(title: title, summary: summary, amountRecovered: (item["amountRecovered"] as? NSNumber)?.intValue, year: year)
        }
    }
}
