@testable import FTSite
import Foundation
import Testing

/// The admin pages' small parts: spreadsheet cells, CSV quoting, column letters, chart escaping,
/// report periods.
@Suite struct AdminPiecesTests {
    @Test(arguments: [(12.0, "12"), (12.5, "12.5"), (1_234.56, "1234.56"), (0.00001, "0"), (-0.00001, "0"), (-3.25, "-3.25"), (1e16, "10000000000000000")])
    func numbersAreWrittenPlainly(value: Double, text: String) {
        #expect(Spreadsheet.plain(value) == text)
    }

    /// French CSV: a byte-order mark, semicolons, decimal commas; quoted only where needed.
    @Test func csvQuotesWhatNeedsIt() {
        let sheet = Spreadsheet(sheetName: "x", rows: [
            [.text("a;b"), .text("a,b"), .text("dit \"oui\""), .text("deux\nlignes"), .text(" espace"), .number(3), .number(12.5), .empty, .text("simple")],
        ])
        #expect(String(decoding: sheet.csv(), as: UTF8.self) == "\u{FEFF}\"a;b\";a,b;\"dit \"\"oui\"\"\";\"deux\nlignes\";\" espace\";3;12,5;;simple\r\n")
    }

    @Test func periodsAreNamedInFrench() {
        #expect(ReportPeriod.daily.label(containing: Self.day("2026-11-24")) == "mardi 24 novembre 2026")
        #expect(ReportPeriod.weekly.label(containing: Self.day("2026-11-18")) == "semaine 47, du 16 au 22 novembre 2026")
        #expect(ReportPeriod.weekly.label(containing: Self.day("2026-12-01")) == "semaine 49, du 30 novembre au 6 décembre 2026")
        #expect(ReportPeriod.weekly.label(containing: Self.day("2027-01-01")) == "semaine 53, du 28 décembre 2026 au 3 janvier 2027")
        #expect(ReportPeriod.monthly.label(containing: Self.day("2026-08-05")) == "août 2026")
        #expect(ReportPeriod.daily.label(containing: Self.day("2026-12-01")) == "mardi 1er décembre 2026")
        // From the files' names, for the reports' index.
        #expect(ReportPeriod.weekly.label(slug: "2026-W47") == "semaine 47, du 16 au 22 novembre 2026")
        #expect(ReportPeriod.monthly.label(slug: "2026-11") == "novembre 2026")
        #expect(ReportPeriod.daily.label(slug: "2026-11-24") == "mardi 24 novembre 2026")
        #expect(ReportPeriod.weekly.label(slug: "nimportequoi") == nil)
    }

    @Test(arguments: [(0, "A"), (25, "Z"), (26, "AA"), (27, "AB"), (701, "ZZ"), (702, "AAA")])
    func columnLetters(index: Int, letters: String) {
        #expect(Spreadsheet.column(index) == letters)
    }

    @Test func chartLabelsAreEscaped() {
        let svg = SVGChart.bars(id: "c", title: "T <b>", description: "d & e", items: [.init(label: "<script>alert(1)</script>", value: 3, text: "3 \"x\"")])
        #expect(!svg.contains("<script>"))
        #expect(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(svg.contains("<title id=\"c-title\">T &lt;b&gt;</title>") && svg.contains("d &amp; e") && svg.contains("3 &quot;x&quot;"))
    }

    static func day(_ text: String) -> Date {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        return calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2], hour: 15)) ?? Date()
    }

    @Test func periodsAreADayAnISOWeekAndACalendarMonthInUTC() {
        let wednesday = Self.day("2026-11-18")
        let daily = ReportPeriod.daily.range(containing: wednesday)
        #expect(daily.slug == "2026-11-18" && daily.to.timeIntervalSince(daily.from) == 86_400)
        let weekly = ReportPeriod.weekly.range(containing: wednesday)
        #expect(weekly.slug == "2026-W47" && weekly.from == Self.day("2026-11-16").addingTimeInterval(-15 * 3_600))
        #expect(weekly.to.timeIntervalSince(weekly.from) == 7 * 86_400)
        let monthly = ReportPeriod.monthly.range(containing: wednesday)
        #expect(monthly.slug == "2026-11" && monthly.to == Self.day("2026-12-01").addingTimeInterval(-15 * 3_600))
        // The first days of 2027 belong to the last ISO week of 2026.
        #expect(ReportPeriod.weekly.range(containing: Self.day("2027-01-01")).slug == "2026-W53")
        // What `ft serve` makes on schedule: the last complete period.
        #expect(ReportPeriod.daily.range(containing: ReportPeriod.daily.lastComplete(before: wednesday)).slug == "2026-11-17")
        #expect(ReportPeriod.weekly.range(containing: ReportPeriod.weekly.lastComplete(before: wednesday)).slug == "2026-W46")
        #expect(ReportPeriod.monthly.range(containing: ReportPeriod.monthly.lastComplete(before: wednesday)).slug == "2026-10")
    }
}
