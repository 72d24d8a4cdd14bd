import FTMarkdown
import Testing

@Suite struct MarkdownRendererTests {
    let renderer = MarkdownRenderer()

    @Test func gitHubFlavouredMarkdown() {
        let html = renderer.html(from: """
            ## Résultats

            - **TICPE** : transporteurs
            - *CEE*

            | Année | Montant |
            | --- | ---: |
            | 2025 | 42 300 € |

            ~~au forfait~~ au résultat, voir https://www.exemple.example
            """)
        #expect(html.contains("<h2>Résultats</h2>"))
        #expect(html.contains("<li><strong>TICPE</strong> : transporteurs</li>"))
        #expect(html.contains("<table>"))
        #expect(html.contains(#"<td style="text-align: right">42 300 €</td>"#))
        #expect(!html.contains("align="), "align is obsolete in HTML5")
        #expect(html.contains("<del>au forfait</del>"))
        #expect(html.contains(#"<a href="https://www.exemple.example">https://www.exemple.example</a>"#))
    }

    @Test(arguments: [
        "<script>alert('x')</script>",
        "Bonjour <img src=x onerror=alert(1)>",
        "<iframe src=\"https://evil.example\"></iframe>",
        "[clic](javascript:alert(1))",
        "[clic](data:text/html;base64,PHNjcmlwdD4=)",
    ])
    func rawHTMLAndDangerousLinksNeverPassThrough(markdown: String) {
        let html = renderer.html(from: markdown)
        #expect(!html.contains("<script"))
        #expect(!html.contains("<img"))
        #expect(!html.contains("<iframe"))
        #expect(!html.contains("javascript:"))
        #expect(!html.contains("data:text"))
    }

    @Test func textIsEscaped() {
        #expect(renderer.html(from: "Tom & Jerry < \"Ltd\"") == "<p>Tom &amp; Jerry &lt; &quot;Ltd&quot;</p>\n")
    }

    @Test func invalidUTF8AndEmptyInputAreHarmless() {
        #expect(renderer.html(from: "") == "")
        #expect(renderer.html(from: "\u{0}") .contains("\u{FFFD}"))
    }
}

@Suite struct MarkdownConcurrencyTests {
    @Test func headingsShiftUnderThePage() {
        let html = MarkdownRenderer(headingOffset: 2).html(from: "# Un\n\n## Deux\n\n##### Cinq")
        #expect(html == "<h3>Un</h3>\n<h4>Deux</h4>\n<h6>Cinq</h6>\n")
    }

    /// cmark-gfm's global state once made autolinks vanish when two threads rendered at once.
    @Test func renderingOnManyThreadsGivesTheSameHTML() async {
        let renderer = MarkdownRenderer()
        let markdown = "Voir https://www.exemple.example et ~~ceci~~.\n\n| a | b |\n| - | - |\n| 1 | 2 |"
        let expected = renderer.html(from: markdown)
        #expect(expected.contains(#"<a href="https://www.exemple.example">"#))
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    (0..<300).allSatisfy { _ in renderer.html(from: markdown) == expected }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.allSatisfy { $0 })
    }
}
