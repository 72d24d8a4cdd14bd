import FTModel
import Testing

/// The questions' editor: saved questions make rows that give them back; every mistake is named
/// by its question's number.
@Suite struct QuestionDraftTests {
    static let saved = [
        EligibilityQuestion(key: "transport", text: "Transport routier ?", kind: .yesNo, requirement: .init(anyOf: ["oui"]), refusal: "Réservé au transport."),
        EligibilityQuestion(key: "litres", text: "Litres par an ?", kind: .number, askedWhen: .init(question: "transport", condition: .init(anyOf: ["oui"])),
                            requirement: .init(atLeast: 5_000, atMost: 900_000)),
        EligibilityQuestion(key: "flotte", text: "Votre flotte ?", kind: .choice, choices: ["Camions", "Cars"], askedWhen: .init(question: "litres", condition: .init(atLeast: 10))),
    ]

    @Test func savedQuestionsMakeRowsThatGiveThemBack() throws {
        let draft = QuestionDraft(questions: Self.saved)
        #expect(draft.rows[1].askedWhenAnswers == "oui" && draft.rows[1].minimum == "5000" && draft.rows[2].askedWhenAnswers == "10")
        #expect(try draft.questions().get() == Self.saved)
        // An empty slot is skipped; no questions at all is a scheme anyone may apply to.
        #expect(try QuestionDraft(rows: draft.rows + [QuestionDraft.Row()]).questions().get() == Self.saved)
        #expect(try QuestionDraft(rows: []).questions().get().isEmpty)
    }

    @Test func everyMistakeIsNamedByItsQuestion() {
        func problems(_ rows: [QuestionDraft.Row]) -> [String] {
            guard case .failure(let found) = QuestionDraft(rows: rows).questions() else { return [] }
            return found.problems
        }
        let base = QuestionDraft(questions: Self.saved).rows
        var rows = base
        rows[0].key = "Transport"
        rows[1].askedWhenQuestion = "flotte"
        rows[2].choices = "Camions"
        #expect(problems(rows) == [
            "question 1 : la clé « Transport » s’écrit avec 1 à 40 lettres minuscules sans accent, chiffres ou « _ »",
            "question 2 : elle dépend de « flotte », qui n’est pas une question posée avant elle",
            "question 3 : une question à choix en propose au moins deux (séparés par des virgules)",
        ])
        // One refused question: those that depend on it say nothing more.
        rows = base
        rows[0].minimum = "3"
        #expect(problems(rows) == ["question 1 : seul un nombre a un minimum ou un maximum"])
        rows = base
        rows[2].key = "transport"
        rows[1].accepted = "oui"
        #expect(problems(rows) == [
            "question 2 : pour un nombre, dites le minimum ou le maximum plutôt que des réponses",
            "question 3 : la clé « transport » est déjà celle d’une autre question",
        ])
        rows = base
        rows[1].minimum = "900001"
        rows[1].askedWhenAnswers = "bien sûr"
        #expect(problems(rows) == [
            "question 2 : dans la condition sur « transport », « bien sûr » n’est pas une réponse possible (oui, non)",
            "question 2 : le minimum (900001) dépasse le maximum (900000)",
        ])
        rows = base
        rows[2].askedWhenAnswers = "beaucoup"
        #expect(problems(rows) == ["question 3 : la condition sur « litres » est un nombre minimal, pas « beaucoup »"])
        rows = base
        rows[2].kind = "liste"
        rows[0].refusal = String(repeating: "x", count: 301)
        #expect(problems(rows) == ["question 1 : la raison du refus a au plus 300 caractères", "question 3 : type inconnu « liste »"])
        #expect(problems(Array(repeating: base[0], count: 21)).first == "un dispositif pose au plus 20 questions, pas 21")
    }
}
