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
        #expect(html.contains(#"<td align="right">42 300 €</td>"#))
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
