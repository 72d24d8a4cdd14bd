internal import Foundation
internal import FTStore

/// What the pages say of an expert's answers and activity, from the measured figures only: a
/// profile without enough answers says so rather than showing a figure.
enum ActivityText {
    /// Fewer first answers than this in the window tell nothing yet.
    static let minimumAnswers = 3

    /// The median in whole hours, rounded up (at least 1); nil when not measured. The search's
    /// files carry this figure too (0 there for nil), and `search.js` words it the same way.
    static func hours(_ responses: ResponseTimes) -> Int? {
        guard responses.count >= minimumAnswers, let median = responses.medianSeconds else { return nil }
        return max(1, Int((median / 3_600).rounded(.up)))
    }

    /// "Répond en 4 h", "Répond en moins d'une heure", "Répond en 3 jours", or that it is not
    /// measured yet.
    static func response(_ responses: ResponseTimes, format: FrenchFormat) -> String {
        guard let hours = hours(responses) else { return format.string("response_unmeasured") }
        if hours <= 1 { return format.string("response_within_hour") }
        if hours < 48 { return format.fill("card_response", ["hours": format.integer(hours)]) }
        return format.fill("response_days", ["days": format.integer(Int((Double(hours) / 24).rounded(.up)))])
    }

    /// The profile's line: the figure with what it is made of, or why there is none.
    static func profileResponse(_ responses: ResponseTimes, format: FrenchFormat) -> String {
        guard hours(responses) != nil else {
            if responses.count == 0 { return format.string("profile_response_none") }
            return format.count("profile_response_few", responses.count)
        }
        return response(responses, format: format) + " " + format.count("profile_response_basis", responses.count)
    }

    /// "Dernière activité : 3 décembre 2026", or that there is none yet.
    static func lastActive(_ day: Date?, format: FrenchFormat) -> String {
        guard let day else { return format.string("profile_no_activity") }
        return format.fill("profile_last_active", ["date": format.day(day)])
    }
}
