@testable import FTSite
import Foundation
import Testing

@Suite struct FormatAndBiosTests {
    let format = FrenchFormat(strings: [
        "month_1": "janvier", "month_2": "février", "month_3": "mars", "month_4": "avril", "month_5": "mai", "month_6": "juin",
        "month_7": "juillet", "month_8": "août", "month_9": "septembre", "month_10": "octobre", "month_11": "novembre", "month_12": "décembre",
        "pair": "{a} et {b} ({c})", "years_one": "{count} an", "years_other": "{count} ans",
    ])

    /// The arithmetic dates against the Gregorian calendar in UTC, every 37 hours and some
    /// seconds from 1900 to 2200, and at the edges of days, months and leap years.
    @Test func civilDatesMatchTheCalendar() {
        var dates: [Date] = []
        var seconds = -2_208_988_800.0
        while seconds < 7_258_118_400 {
            dates.append(Date(timeIntervalSince1970: seconds))
            seconds += 37 * 3_600 + 17.25
        }
        for edge in ["1900-01-01T00:00:00Z", "1900-02-28T23:59:59Z", "1970-01-01T00:00:00Z", "1999-12-31T23:59:59Z", "2000-02-29T12:00:00Z",
                     "2000-03-01T00:00:00Z", "2024-02-29T23:59:59Z", "2100-03-01T00:00:00Z", "9999-12-31T23:59:59Z"] {
            if let date = ISO8601DateFormatter().date(from: edge) { dates.append(date) }
        }
        dates.append(Date(timeIntervalSince1970: -0.5))
        for date in dates {
            let parts = FrenchFormat.calendar.dateComponents([.year, .month, .day], from: date)
            guard let civil = FrenchFormat.civilDate(date) else {
                Issue.record("no civil date for \(date)")
                continue
            }
            #expect(civil.year == parts.year && civil.month == parts.month && civil.day == parts.day, "\(date)")
        }
        #expect(format.monthYear(Date(timeIntervalSince1970: 1_772_000_000)) == "février 2026")
        #expect(format.day(Date(timeIntervalSince1970: 951_782_400)) == "29 février 2000")
        // Outside the arithmetic's range, the calendar answers.
        #expect(FrenchFormat.civilDate(Date(timeIntervalSince1970: -2_208_988_801)) == nil)
        #expect(format.monthYear(Date(timeIntervalSince1970: -2_208_988_801)) == "décembre 1899")
    }

    @Test func fillAndIntegers() {
        #expect(format.fill("pair", ["b": "deux", "a": "un"]) == "un et deux ({c})")
        #expect(format.count("years", 1) == "1 an")
        #expect(format.count("years", 999) == "999 ans")
        // French takes the singular for zero.
        #expect(format.count("years", 0) == "0 an")
        #expect(format.count("years", 2) == "2 ans")
        #expect(format.integer(1_000) == "1\u{202F}000")
        #expect(format.integer(-12) == "-12")
        #expect(format.integer(0) == "0")
    }

    @Test func feedEscaping() {
        #expect(Feeds.escape("http://x/experts/jean-dupont/") == "http://x/experts/jean-dupont/")
        #expect(Feeds.escape("Tom & \"Jerry\" <l'été>") == "Tom &amp; &quot;Jerry&quot; &lt;l&apos;été&gt;")
        #expect(Feeds.escape("") == "")
    }

    @Test func biosRenderedAheadAreTheSameAsRenderedInPlace() async throws {
        let bios = (0..<500).map { "Bio **\($0)**" }
        let prerenderer = BioPrerenderer(bios: bios, render: { "<p>" + $0.uppercased() + "</p>" })
        var waited = 0
        while prerenderer.html(bios.count - 1) == nil, waited < 1_000 {
            try await Task.sleep(for: .milliseconds(10))
            waited += 1
        }
        for (index, bio) in bios.enumerated() {
            #expect(prerenderer.html(index) == "<p>" + bio.uppercased() + "</p>")
        }
        #expect(prerenderer.html(bios.count) == nil)
        prerenderer.stop()
    }
}
