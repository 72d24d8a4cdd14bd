public import Foundation

/// One question a scheme asks before a dossier opens ("Vos véhicules pèsent-ils 7,5 tonnes ou
/// plus ?"). A question may be asked only when an earlier answer says so (`askedWhen`), and may
/// decide eligibility (`requirement`, with the sentence that says why not).
///
/// Answers are text: `"oui"`/`"non"` for a yes-or-no question, a whole number in digits, or one of
/// the choices. `sync/eligibility.js` follows the same rules, checked by `Tests/vectors/eligibility.json`.
public struct EligibilityQuestion: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case yesNo = "yes_no"
        case number
        case choice
    }

    /// What an answer must be, for a question's condition or for eligibility.
    public struct Condition: Sendable, Codable, Equatable {
        /// One of these answers (yes-or-no and choice questions).
        public var anyOf: [String]?
        /// At least this number (number questions).
        public var atLeast: Int64?
        /// At most this number (number questions).
        public var atMost: Int64?

        public init(anyOf: [String]? = nil, atLeast: Int64? = nil, atMost: Int64? = nil) {
            self.anyOf = anyOf
            self.atLeast = atLeast
            self.atMost = atMost
        }

        func holds(for answer: String) -> Bool {
            if let anyOf, !anyOf.contains(answer) { return false }
            if atLeast != nil || atMost != nil {
                // Digits with an optional minus, as `sync/eligibility.js` reads them (no "+").
                let digits = answer.hasPrefix("-") ? answer.utf8.dropFirst() : answer.utf8[...]
                guard (1...18).contains(digits.count), digits.allSatisfy({ (0x30...0x39).contains($0) }), let number = Int64(answer) else { return false }
                if let atLeast, number < atLeast { return false }
                if let atMost, number > atMost { return false }
            }
            return true
        }
    }

    /// Asked only when the answer to question `question` meets `condition`.
    public struct Dependency: Sendable, Codable, Equatable {
        public var question: String
        public var condition: Condition

        public init(question: String, condition: Condition) {
            self.question = question
            self.condition = condition
        }
    }

    /// Short and stable: the key of the answer (`[a-z0-9_]`, 1–40 characters).
    public var key: String
    public var text: String
    public var kind: Kind
    /// The choices of a choice question.
    public var choices: [String]?
    public var askedWhen: Dependency?
    /// Eligible only when the answer meets it; `refusal` says why not.
    public var requirement: Condition?
    public var refusal: String?

    public init(key: String, text: String, kind: Kind, choices: [String]? = nil, askedWhen: Dependency? = nil, requirement: Condition? = nil, refusal: String? = nil) {
        self.key = key
        self.text = text
        self.kind = kind
        self.choices = choices
        self.askedWhen = askedWhen
        self.requirement = requirement
        self.refusal = refusal
    }

    /// Whether `answer` is one this question takes.
    func accepts(_ answer: String) -> Bool {
        switch kind {
        case .yesNo: answer == "oui" || answer == "non"
        case .number: answer.utf8.count <= 15 && !answer.isEmpty && answer.utf8.allSatisfy { (0x30...0x39).contains($0) }
        case .choice: choices?.contains(answer) ?? false
        }
    }
}

/// What a scheme's questions make of a client's answers.
public enum Eligibility: Sendable, Equatable {
    /// Eligible: every question asked is answered and every requirement met.
    case eligible
    /// Ineligible, with the sentence of each requirement not met, in the questions' order.
    case ineligible(reasons: [String])

    /// The most answers a dossier carries.
    public static let maximumAnswers = 50

    /// A problem with the answers themselves: the field is `answers.<key>`.
    public struct Problem: Error, Sendable, Equatable {
        public var question: String
        public var message: String
        /// The answer is missing (rather than wrong).
        public var missing: Bool = false
    }

    /// The questions asked, given the answers so far: a question whose condition depends on an
    /// unanswered or unmet earlier answer is not asked.
    public static func asked(_ questions: [EligibilityQuestion], answers: [String: String]) -> [EligibilityQuestion] {
        var asked: [EligibilityQuestion] = []
        var askedKeys: Set<String> = []
        for question in questions {
            if let dependency = question.askedWhen {
                guard askedKeys.contains(dependency.question), let earlier = answers[dependency.question],
                    dependency.condition.holds(for: earlier)
                else { continue }
            }
            asked.append(question)
            askedKeys.insert(question.key)
        }
        return asked
    }

    /// The verdict on complete answers, or the first problem: an answer missing, one the question
    /// does not take, or one to a question that is not asked (the answers contradict each other,
    /// or name no question at all).
    public static func decide(_ questions: [EligibilityQuestion], answers: [String: String]) -> Result<Eligibility, Problem> {
        let asked = asked(questions, answers: answers)
        let askedKeys = Set(asked.map(\.key))
        for key in answers.keys.sorted() where !askedKeys.contains(key) {
            let known = questions.contains { $0.key == key }
            return .failure(Problem(question: key, message: known
                ? "cette question ne se pose pas avec les réponses précédentes"
                : "ce dispositif ne pose pas de question « \(key.prefix(40)) »"))
        }
        var reasons: [String] = []
        for question in asked {
            guard let answer = answers[question.key] else {
                return .failure(Problem(question: question.key, message: "réponse manquante : « \(question.text) »", missing: true))
            }
            guard question.accepts(answer) else {
                let expected = switch question.kind {
                case .yesNo: "« oui » ou « non »"
                case .number: "un nombre entier positif"
                case .choice: "l’un des choix proposés"
                }
                return .failure(Problem(question: question.key, message: "la réponse à « \(question.text) » doit être \(expected)"))
            }
            if let requirement = question.requirement, !requirement.holds(for: answer) {
                reasons.append(question.refusal ?? "Réponse incompatible avec le dispositif : « \(question.text) »")
            }
        }
        return .success(reasons.isEmpty ? .eligible : .ineligible(reasons: reasons))
    }

    /// Answers sent as a JSON object of texts, or nil when they are not one (or hold more than
    /// `maximumAnswers`).
    public static func answers(fromJSON text: String) -> [String: String]? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
            object.count <= maximumAnswers
        else { return nil }
        var answers: [String: String] = [:]
        for (key, value) in object {
            guard let text = value as? String, text.utf8.count <= 200 else { return nil }
            answers[key] = text
        }
        return answers
    }
}
