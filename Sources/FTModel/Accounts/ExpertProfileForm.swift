public import Foundation

/// What an expert writes about themselves, as sent by the application form and the profile
/// editor (JSON). `check` trims, normalises and refuses the first wrong field, in French, naming
/// it as the form does.
public struct ExpertProfileForm: Sendable, Codable, Equatable {
    public var firstName: String
    public var lastName: String
    public var company: String
    public var siret: String
    public var postcode: String
    public var headline: String
    /// Eligible products' codes.
    public var schemes: [String]
    public var dayRate: Int?
    public var successFeePercent: Int?
    /// ISO 639-1 codes among `Expert.languageCodes`.
    public var languages: [String]
    public var certifications: [String]
    public var portfolio: [PortfolioItem]
    public var yearsOfExperience: Int
    /// GitHub-flavoured Markdown.
    public var bio: String

    public init(
        firstName: String, lastName: String, company: String, siret: String, postcode: String, headline: String, schemes: [String],
        dayRate: Int?, successFeePercent: Int?, languages: [String], certifications: [String], portfolio: [PortfolioItem],
        yearsOfExperience: Int, bio: String
    ) {
        self.firstName = firstName
        self.lastName = lastName
        self.company = company
        self.siret = siret
        self.postcode = postcode
        self.headline = headline
        self.schemes = schemes
        self.dayRate = dayRate
        self.successFeePercent = successFeePercent
        self.languages = languages
        self.certifications = certifications
        self.portfolio = portfolio
        self.yearsOfExperience = yearsOfExperience
        self.bio = bio
    }

    public static let headlineLimit = 160
    public static let bioLimit = 20_000
    public static let certificationLimit = 12
    public static let portfolioLimit = 10
    public static let summaryLimit = 1_000
    public static let schemeLimit = 20

    /// The form checked: every text trimmed, the SIRET without spaces, the lists without blanks or
    /// repeats, in the order given; or the first wrong field. `year` is the current year (a
    /// portfolio case cannot be later).
    public func check(year: Int) -> Result<ExpertProfileForm, AccountProblem> {
        var form = self
        for (path, label) in [(\ExpertProfileForm.firstName, ("firstName", "Le prénom")), (\.lastName, ("lastName", "Le nom")), (\.company, ("company", "Le nom de l’entreprise"))] {
            let value = form[keyPath: path].trimmingCharacters(in: .whitespacesAndNewlines)
            if let problem = AccountProblem.line(value, field: label.0, label: label.1, limit: SignUp.nameLimit) { return .failure(problem) }
            form[keyPath: path] = value
        }
        switch SIRET.normalized(siret) {
        case .success(let number): form.siret = number
        case .failure(let problem): return .failure(problem)
        }
        form.postcode = postcode.trimmingCharacters(in: .whitespacesAndNewlines)
        guard form.postcode.count == 5, form.postcode.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "A" || $0 == "B") }) else {
            return .failure(AccountProblem(field: "postcode", "Le code postal a 5 chiffres (2A et 2B pour la Corse)."))
        }
        form.headline = headline.trimmingCharacters(in: .whitespacesAndNewlines)
        if let problem = AccountProblem.line(form.headline, field: "headline", label: "L’accroche", limit: Self.headlineLimit) { return .failure(problem) }
        form.schemes = Self.distinct(schemes.map { $0.trimmingCharacters(in: .whitespaces) })
        if form.schemes.isEmpty { return .failure(AccountProblem(field: "schemes", "Choisissez au moins un dispositif sur lequel vous intervenez.")) }
        if form.schemes.count > Self.schemeLimit { return .failure(AccountProblem(field: "schemes", "Choisissez au plus \(Self.schemeLimit) dispositifs.")) }
        if dayRate == nil, successFeePercent == nil {
            return .failure(AccountProblem(field: "dayRate", "Indiquez au moins un tarif : à la journée ou au succès."))
        }
        if let rate = dayRate, !(1...100_000).contains(rate) {
            return .failure(AccountProblem(field: "dayRate", "Le tarif journalier va de 1 à 100 000 €."))
        }
        if let fee = successFeePercent, !(1...100).contains(fee) {
            return .failure(AccountProblem(field: "successFeePercent", "La commission au succès va de 1 à 100 %."))
        }
        form.languages = Self.distinct(languages.map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
        if form.languages.isEmpty { return .failure(AccountProblem(field: "languages", "Choisissez au moins une langue de travail.")) }
        if let unknown = form.languages.first(where: { !Expert.languageCodes.contains($0) }) {
            return .failure(AccountProblem(field: "languages", "La langue « \(unknown) » n’est pas proposée."))
        }
        form.certifications = Self.distinct(certifications.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) })
        if form.certifications.count > Self.certificationLimit {
            return .failure(AccountProblem(field: "certifications", "Au plus \(Self.certificationLimit) certifications (une par ligne)."))
        }
        for certification in form.certifications {
            if let problem = AccountProblem.line(certification, field: "certifications", label: "Une certification", limit: SignUp.nameLimit) { return .failure(problem) }
        }
        if portfolio.count > Self.portfolioLimit {
            return .failure(AccountProblem(field: "portfolio", "Au plus \(Self.portfolioLimit) références."))
        }
        form.portfolio = []
        for (index, item) in portfolio.enumerated() {
            let title = item.title.trimmingCharacters(in: .whitespacesAndNewlines)
            let summary = item.summary.trimmingCharacters(in: .whitespacesAndNewlines)
            if title.isEmpty, summary.isEmpty { continue }
            let name = "La référence \(index + 1)"
            if let problem = AccountProblem.line(title, field: "portfolio", label: "\(name) : son titre", limit: SignUp.nameLimit) { return .failure(problem) }
            if summary.count > Self.summaryLimit {
                return .failure(AccountProblem(field: "portfolio", "\(name) : son résumé fait au plus \(Self.summaryLimit) caractères."))
            }
            if !(1980...year).contains(item.year) {
                return .failure(AccountProblem(field: "portfolio", "\(name) : l’année va de 1980 à \(year)."))
            }
            if let amount = item.amountRecovered, !(0...1_000_000_000).contains(amount) {
                return .failure(AccountProblem(field: "portfolio", "\(name) : le montant récupéré va de 0 à 1 000 000 000 €."))
            }
            form.portfolio.append(PortfolioItem(title: title, summary: summary, amountRecovered: item.amountRecovered, year: item.year))
        }
        if !(0...70).contains(yearsOfExperience) {
            return .failure(AccountProblem(field: "yearsOfExperience", "Les années d’expérience vont de 0 à 70."))
        }
        form.bio = bio.trimmingCharacters(in: .whitespacesAndNewlines)
        if form.bio.isEmpty { return .failure(AccountProblem(field: "bio", "Présentez-vous en quelques lignes : la présentation est obligatoire.")) }
        if form.bio.count > Self.bioLimit {
            return .failure(AccountProblem(field: "bio", "La présentation fait au plus \(Self.bioLimit) caractères (elle en a \(form.bio.count))."))
        }
        return .success(form)
    }

    /// Without blanks and repeats, in their first order.
    static func distinct(_ values: [String]) -> [String] {
        var seen = Set<String>()
        return values.filter { !$0.isEmpty && seen.insert($0).inserted }
    }
}

/// An expert's application: the profile, and the account that signs in with it.
public struct ExpertApplication: Sendable, Codable, Equatable {
    public var email: String
    public var password: String
    public var profile: ExpertProfileForm

    public init(email: String, password: String, profile: ExpertProfileForm) {
        self.email = email
        self.password = password
        self.profile = profile
    }

    /// The application checked: the profile's fields in the form's order, then the address and
    /// the password.
    public func check(year: Int, passwords: PasswordPolicy) -> Result<ExpertApplication, AccountProblem> {
        let profile: ExpertProfileForm
        switch self.profile.check(year: year) {
        case .success(let checked): profile = checked
        case .failure(let problem): return .failure(problem)
        }
        let address: String
        switch AccountEmail.checked(email) {
        case .success(let checked): address = checked
        case .failure(let problem): return .failure(problem)
        }
        if let problem = passwords.problem(password, email: address) { return .failure(problem) }
        return .success(ExpertApplication(email: address, password: password, profile: profile))
    }
}

/// The SIRET, the 14-digit number of a company's establishment: its SIREN and a 5-digit
/// establishment number, the whole checked by Luhn — except La Poste's (SIREN 356 000 000),
/// whose digits add up to a multiple of 5.
public enum SIRET {
    public static func normalized(_ text: String) -> Result<String, AccountProblem> {
        let digits = text.filter { !$0.isWhitespace }
        guard digits.count == 14, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return .failure(AccountProblem(field: "siret", "Le SIRET a 14 chiffres (le SIREN et les 5 chiffres de l’établissement)."))
        }
        let valid = digits.hasPrefix("356000000")
            ? digits.compactMap(\.wholeNumberValue).reduce(0, +) % 5 == 0
            : SIREN.luhn(digits)
        guard valid else {
            return .failure(AccountProblem(field: "siret", "Le SIRET \(digits) n’existe pas : sa clé de contrôle ne correspond pas. Vérifiez les chiffres."))
        }
        return .success(digits)
    }
}
