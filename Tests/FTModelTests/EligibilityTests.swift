import FTModel
import Foundation
import Testing

/// The shared vectors (Tests/vectors/eligibility.json, read by sync/eligibility.js's test too).
@Suite struct EligibilityTests {
    struct Vectors: Decodable {
        struct Expected: Decodable {
            var eligible: Bool?
            var reasons: [String]?
            var problem: String?
            var missing: Bool?
        }
        struct Case: Decodable {
            var name: String
            var answers: [String: String]
            var expected: Expected
        }
        var questions: [EligibilityQuestion]
        var cases: [Case]
    }

    static func load() throws -> Vectors {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("vectors/eligibility.json")
        return try JSONDecoder().decode(Vectors.self, from: Data(contentsOf: url))
    }

    @Test func everyVector() throws {
        let vectors = try Self.load()
        #expect(vectors.cases.count >= 10)
        for vector in vectors.cases {
            let verdict = Eligibility.decide(vectors.questions, answers: vector.answers)
            if let problem = vector.expected.problem {
                guard case .failure(let found) = verdict else {
                    Issue.record("\(vector.name): expected a problem with \(problem), got \(verdict)")
                    continue
                }
                #expect(found.question == problem, "\(vector.name)")
                #expect(found.missing == (vector.expected.missing ?? false), "\(vector.name)")
            } else if vector.expected.eligible == true {
                #expect(verdict == .success(.eligible), "\(vector.name)")
            } else {
                #expect(verdict == .success(.ineligible(reasons: vector.expected.reasons ?? [])), "\(vector.name)")
            }
        }
    }

    @Test func answersAreAJSONObjectOfShortTexts() {
        #expect(Eligibility.answers(fromJSON: #"{"a":"oui"}"#) == ["a": "oui"])
        #expect(Eligibility.answers(fromJSON: "[]") == nil)
        #expect(Eligibility.answers(fromJSON: #"{"a":1}"#) == nil)
        #expect(Eligibility.answers(fromJSON: "not json") == nil)
        #expect(Eligibility.answers(fromJSON: #"{"a":"\#(String(repeating: "x", count: 201))"}"#) == nil)
    }
}

@Suite struct WorkflowTemplateTests {
    typealias Step = WorkflowTemplate.Step

    let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func stepsAreDueTheirDelayAfterWhatTheyWaitFor() {
        let template = WorkflowTemplate(steps: [
            Step(key: "a", type: .validation, title: "A", assignee: .admin, slaDays: 2),
            Step(key: "b", type: .documentation, title: "B", assignee: .client, slaDays: 5),
            Step(key: "c", type: .expertise, title: "C", assignee: .expert, slaDays: 3, dependsOn: ["a", "b"]),
        ])
        #expect(template.problems().isEmpty)
        let plan = template.plan(answers: [:], amount: 1_000, start: start)
        #expect(plan.map(\.position) == [1, 2, 3])
        #expect(plan.map(\.dependsOn) == [[], [], [1, 2]])
        // a and b run in parallel from the start; c starts when the later of them is due.
        #expect(plan.map { $0.dueAt.timeIntervalSince(start) / 86_400 } == [2, 5, 8])
    }

    @Test func aStepWhoseConditionFailsIsLeftOutAndItsDependentsWaitForWhatItWaitedFor() {
        let template = WorkflowTemplate(steps: [
            Step(key: "a", type: .validation, title: "A", assignee: .admin, slaDays: 1),
            Step(key: "audit", type: .expertise, title: "Audit", assignee: .expert, slaDays: 10,
                 condition: .init(amountAtLeast: 50_000), dependsOn: ["a"]),
            Step(key: "trucks", type: .documentation, title: "Cartes grises", assignee: .client, slaDays: 4,
                 condition: .init(question: "transport", answer: .init(anyOf: ["oui"])), dependsOn: ["a"]),
            Step(key: "z", type: .payment, title: "Z", assignee: .admin, slaDays: 1, dependsOn: ["audit"]),
        ])
        let small = template.plan(answers: ["transport": "non"], amount: 10_000, start: start)
        #expect(small.map(\.step.key) == ["a", "z"])
        #expect(small[1].dependsOn == [1])
        let large = template.plan(answers: ["transport": "oui"], amount: 80_000, start: start)
        #expect(large.map(\.step.key) == ["a", "audit", "trucks", "z"])
        #expect(large[3].dependsOn == [2])
    }

    @Test(arguments: [
        (["b"], "qui vient après elle (cycle)"),
        (["a"], "ne peut dépendre d’elle-même"),
        (["gone"], "qui n’existe pas"),
    ])
    func dependenciesThatCannotBeMetAreRefused(dependsOn: [String], problem: String) {
        let template = WorkflowTemplate(steps: [
            Step(key: "a", type: .validation, title: "A", assignee: .admin, slaDays: 1, dependsOn: dependsOn),
            Step(key: "b", type: .payment, title: "B", assignee: .admin, slaDays: 1, dependsOn: ["a"]),
        ])
        #expect(template.problems().contains { $0.contains(problem) }, "\(template.problems())")
    }

    @Test func keysTitlesAndDelaysAreChecked() {
        #expect(WorkflowTemplate(steps: []).problems() == ["un modèle a au moins une étape"])
        let template = WorkflowTemplate(steps: [
            Step(key: "A b", type: .validation, title: " ", assignee: .admin, slaDays: 0),
            Step(key: "x", type: .payment, title: "X", assignee: .admin, slaDays: 1),
            Step(key: "x", type: .payment, title: "X", assignee: .admin, slaDays: 400),
        ])
        #expect(template.problems().count == 5, "\(template.problems())")
    }

    @Test func theStandardTemplateIsAChainOfFive() {
        let standard = WorkflowTemplate.standard(slaDays: 60)
        #expect(standard.problems().isEmpty)
        let plan = standard.plan(answers: [:], amount: 0, start: start)
        #expect(plan.map(\.step.type) == [.validation, .documentation, .expertise, .approval, .payment])
        #expect(plan.last.map { $0.dueAt.timeIntervalSince(start) / 86_400 } == 60)
    }
}
