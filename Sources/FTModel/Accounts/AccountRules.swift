public import Foundation

/// A field of an account form that is wrong, with what to tell the person, in French.
public struct AccountProblem: Error, Sendable, Equatable {
    public var field: String
    public var message: String

    public init(field: String, _ message: String) {
        self.field = field
        self.message = message
    }

    /// Why a required one-line text (already trimmed) is not one of at most `limit` characters, if it is not.
    static func line(_ value: String, field: String, label: String, limit: Int) -> AccountProblem? {
        if value.isEmpty { return AccountProblem(field: field, "\(label) est obligatoire.") }
        if value.count > limit || value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            return AccountProblem(field: field, "\(label) tient sur une ligne d’au plus \(limit) caractères.")
        }
        return nil
    }
}

/// A client's sign-up, checked for shape (`SignUp.check`); whether the e-mail or the SIREN
/// already has an account is for the store to find, without telling.
public struct SignUp: Sendable, Equatable {
    public var company: String
    public var siren: String
    public var postcode: String
    public var contactName: String
    public var email: String
    public var password: String

    public init(company: String, siren: String, postcode: String, contactName: String, email: String, password: String) {
        self.company = company
        self.siren = siren
        self.postcode = postcode
        self.contactName = contactName
        self.email = email
        self.password = password
    }

    /// Company and contact names: one line, at most this many characters.
    public static let nameLimit = 120

    /// The form's fields checked, trimmed and normalised (the SIREN without spaces), or the first
    /// wrong one.
    public static func check(
        company: String, siren: String, postcode: String, contactName: String, email: String, password: String, passwords: PasswordPolicy
    ) -> Result<SignUp, AccountProblem> {
        let company = company.trimmingCharacters(in: .whitespacesAndNewlines)
        let contactName = contactName.trimmingCharacters(in: .whitespacesAndNewlines)
        for (field, label, value) in [("company", "Le nom de l’entreprise", company), ("contactName", "Le nom du contact", contactName)] {
            if let problem = AccountProblem.line(value, field: field, label: label, limit: nameLimit) { return .failure(problem) }
        }
        let number: String
        switch SIREN.normalized(siren) {
        case .success(let checked): number = checked
        case .failure(let problem): return .failure(problem)
        }
        let postcode = postcode.trimmingCharacters(in: .whitespacesAndNewlines)
        guard postcode.count == 5, postcode.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "A" || $0 == "B") }) else {
            return .failure(AccountProblem(field: "postcode", "Le code postal a 5 chiffres (2A et 2B pour la Corse)."))
        }
        let address: String
        switch AccountEmail.checked(email) {
        case .success(let checked): address = checked
        case .failure(let problem): return .failure(problem)
        }
        if let problem = passwords.problem(password, email: address) { return .failure(problem) }
        return .success(SignUp(company: company, siren: number, postcode: postcode, contactName: contactName, email: address, password: password))
    }
}

/// An account's e-mail address (`EmailAddress.checked`).
public enum AccountEmail {
    public static func checked(_ text: String) -> Result<String, AccountProblem> {
        EmailAddress.checked(text).map { .success($0) } ?? .failure(AccountProblem(field: "email", EmailAddress.refusal(text)))
    }
}

/// The SIREN, the 9-digit number of a French company: its last digit is a Luhn check digit.
public enum SIREN {
    /// The number without its spaces, or why it is not one.
    public static func normalized(_ text: String) -> Result<String, AccountProblem> {
        let digits = text.filter { !$0.isWhitespace }
        guard digits.count == 9, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return .failure(AccountProblem(field: "siren", "Le SIREN a 9 chiffres (par exemple 732 829 320)."))
        }
        guard luhn(digits) else {
            return .failure(AccountProblem(field: "siren", "Le SIREN \(digits) n’existe pas : sa clé de contrôle ne correspond pas. Vérifiez les chiffres."))
        }
        return .success(digits)
    }

    /// The Luhn check: from the right, every second digit doubled (less 9 past 9); the sum ends in 0.
    public static func luhn(_ digits: String) -> Bool {
        var sum = 0
        for (index, character) in digits.reversed().enumerated() {
            guard let digit = character.wholeNumberValue else { return false }
            let value = index % 2 == 1 ? digit * 2 : digit
            sum += value > 9 ? value - 9 : value
        }
        return sum % 10 == 0
    }
}

/// What a new password must be: 12 characters or more (1,024 at most), not the e-mail address,
/// and not a common password, nor one with a few digits or signs added (`Motdepasse2026!`).
public struct PasswordPolicy: Sendable {
    public static let minimumLength = 12
    public static let maximumLength = 1_024
    /// Lowercased.
    let common: Set<String>

    public init(common: some Sequence<String>) {
        self.common = Set(common.map { $0.lowercased() })
    }

    /// The list shipped in `site-templates/data/common-passwords.txt`: one per line, `#` comments.
    public init(listAt url: URL) throws {
        let text = try String(contentsOf: url, encoding: .utf8)
        self.init(common: text.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.isEmpty && !$0.hasPrefix("#") })
    }

    public func problem(_ password: String, email: String) -> AccountProblem? {
        if password.count < Self.minimumLength {
            return AccountProblem(field: "password", "Le mot de passe doit faire au moins \(Self.minimumLength) caractères (il en a \(password.count)).")
        }
        if password.count > Self.maximumLength {
            return AccountProblem(field: "password", "Le mot de passe fait au plus \(Self.maximumLength) caractères.")
        }
        if password.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            return AccountProblem(field: "password", "Le mot de passe ne peut pas contenir de caractères de contrôle.")
        }
        let lowered = password.lowercased()
        let local = email.lowercased().split(separator: "@").first.map(String.init) ?? ""
        if lowered == email.lowercased() || (local.count >= 4 && lowered.contains(local)) {
            return AccountProblem(field: "password", "Le mot de passe ne doit pas reprendre l’adresse e-mail.")
        }
        if Set(lowered).count <= 2 || isCommon(lowered) {
            return AccountProblem(field: "password", "Ce mot de passe est trop courant : il figure parmi les premiers qu’essaient les attaquants. Choisissez une phrase de quelques mots.")
        }
        return nil
    }

    /// In the list, as it is or once the digits and signs around it are taken off.
    private func isCommon(_ lowered: String) -> Bool {
        if common.contains(lowered) { return true }
        let stem = lowered.trimmingCharacters(in: CharacterSet.letters.inverted)
        return stem.count >= 4 && common.contains(stem)
    }
}
