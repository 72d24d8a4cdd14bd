import FTModel
import FTSite
@testable import FTStore
import Foundation
import GRDB
import Testing

@Suite struct ProfilePageTests {
    @Test func aProfileShowsWhatTheDatabaseHolds() throws {
        let fixture = try SiteFixture()
        try fixture.generate()
        // The published expert with the most ratings.
        let (expertId, slug) = try fixture.database.writer.read { db -> (Int64, String) in
            let row = try #require(try Row.fetchOne(db, sql: """
                SELECT e.id, e.slug FROM expert e JOIN user u ON u.id = e.userId JOIN rating r ON r.expertId = e.id
                WHERE e.approval = 'approved' AND e.active AND u.active
                GROUP BY e.id ORDER BY count(*) DESC, e.id LIMIT 1
                """))
            return (row[0], row[1])
        }
        let expert = try #require(try fixture.database.expert(id: expertId))
        let scores = try fixture.database.writer.read { db in try Int.fetchAll(db, sql: "SELECT score FROM rating WHERE expertId = ?", arguments: [expertId]) }
        let comments = try fixture.database.writer.read { db in
            try String.fetchAll(db, sql: "SELECT comment FROM rating WHERE expertId = ? ORDER BY updatedAt DESC, id DESC LIMIT 5", arguments: [expertId])
        }
        let html = try fixture.read("experts/\(slug)/index.html")

        #expect(html.contains("<h1>\(escaped(expert.fullName))</h1>"))
        let average = Double(scores.reduce(0, +)) / Double(scores.count)
        let tenths = Int((average * 10).rounded())
        let shown = "\(tenths / 10),\(tenths % 10)"
        #expect(html.contains("Note moyenne \(shown) sur 5, \(scores.count) avis"), "average \(shown) of \(scores.count) ratings")
        for comment in comments where !comment.isEmpty {
            #expect(html.contains("<blockquote>\(escaped(comment))</blockquote>"))
        }
        // The breakdown lists each star count.
        for stars in 1...5 {
            let count = scores.filter { $0 == stars }.count
            #expect(html.contains("<th scope=\"row\">\(stars) étoile\(stars > 1 ? "s" : "")</th>"))
            #expect(html.contains(">\(count)</td></tr>") || count == 0)
        }
        #expect(html.contains(#"<link rel="canonical" href="https://ft.example/experts/\#(slug)/">"#))
        #expect(html.contains(#""@type":"AggregateRating""#))
        #expect(html.contains(#""reviewCount":\#(scores.count)"#))
        #expect(html.contains("<table>"), "the Markdown bio's table is rendered")
    }

    @Test func userTextIsInertEverywhere() throws {
        let fixture = try SiteFixture(experts: 6, clients: 12)
        let hostile = "Zoé <b>\"Ça\" & Cie</b> <script>alert(1)</script>"
        let expertUser = try #require(try fixture.database.user(email: "expert@financialtracker.example"))
        var expert = try #require(try fixture.database.writer.read { db in
            try Expert.filter(sql: "userId = ?", arguments: [expertUser.id]).fetchOne(db)
        })
        expert.firstName = hostile
        expert.headline = "Tête <i>d'affiche</i> </script><script>alert(2)</script>"
        expert.bioMarkdown = "Bonjour <script>alert('bio')</script> <img src=x onerror=alert(3)> [lien](javascript:alert(4))\n\n<iframe src=\"https://evil.example\"></iframe>"
        try fixture.database.writer.write { db in try expert.update(db) }
        let clientId = try #require(try fixture.database.writer.read { db in try Int64.fetchOne(db, sql: "SELECT id FROM client ORDER BY id LIMIT 1") })
        try fixture.database.saveRating(Rating(
            clientId: clientId, expertId: try #require(expert.id), score: 5,
            comment: "<img src=x onerror=alert('avis')> Très bien & rapide", createdAt: SiteFixture.today, updatedAt: SiteFixture.today, hlc: "x"
        ))
        try fixture.generate()

        for (path, data) in try fixture.files() where path.hasSuffix(".html") {
            let html = String(decoding: data, as: UTF8.self)
            #expect(!html.contains("<script>alert"), "\(path) runs a script")
            #expect(!html.contains("<img src=x"), "\(path) has a raw image")
            #expect(!html.contains("<iframe"), "\(path) has a raw iframe")
            #expect(!html.contains("javascript:alert"), "\(path) has a javascript: link")
            #expect(!html.contains("<b>\"Ça\""), "\(path) has raw HTML from a name")
        }
        let profile = try fixture.read("experts/\(expert.slug)/index.html")
        #expect(profile.contains("Zoé &lt;b&gt;&quot;Ça&quot; &amp; Cie&lt;/b&gt;"))
        #expect(profile.contains("&lt;img src=x onerror=alert(&#39;avis&#39;)&gt; Très bien &amp; rapide"))
        // Inside JSON-LD nothing can close the script element.
        let jsonLD = try #require(profile.components(separatedBy: #"<script type="application/ld+json">"#).last?.components(separatedBy: "</script>").first)
        #expect(!jsonLD.contains("<"))
        #expect(jsonLD.contains(#"\u003cb\u003e"#))
        let object = try JSONSerialization.jsonObject(with: Data(jsonLD.utf8)) as? [String: Any]
        #expect((object?["employee"] as? [String: Any])?["name"] as? String == "\(hostile) \(expert.lastName)")
    }

    private func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "'", with: "&#39;")
    }
}
