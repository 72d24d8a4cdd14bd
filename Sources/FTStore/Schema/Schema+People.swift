internal import GRDB

extension Schema {
    /// Users, clients, experts, eligible products and expert specialties.
    ///
    /// Delete rules: a client or expert profile goes with its user (CASCADE); a product that experts
    /// or dossiers still reference cannot be deleted (RESTRICT: deactivate it instead); the admin who
    /// approved an expert may be deleted without touching the expert (SET NULL).
    static func createPeople(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE user (
                id INTEGER PRIMARY KEY,
                email TEXT NOT NULL COLLATE NOCASE
                    CONSTRAINT user_email_unique UNIQUE
                    CONSTRAINT user_email_format CHECK (email LIKE '_%@_%.__%' AND length(email) <= 254),
                passwordHash TEXT,
                role TEXT NOT NULL CONSTRAINT user_role CHECK (role IN ('client', 'expert', 'admin')),
                displayName TEXT NOT NULL CONSTRAINT user_display_name CHECK (length(trim(displayName)) > 0),
                phone TEXT,
                active INTEGER NOT NULL DEFAULT 1 CONSTRAINT user_active CHECK (active IN (0, 1)),
                createdAt DATETIME NOT NULL,
                lastSeenAt DATETIME
            );
            CREATE INDEX user_role_active ON user(role, active);

            CREATE TABLE eligibleProduct (
                id INTEGER PRIMARY KEY,
                code TEXT NOT NULL CONSTRAINT eligible_product_code_unique UNIQUE
                    CONSTRAINT eligible_product_code CHECK (length(code) BETWEEN 2 AND 32 AND code NOT GLOB '*[^A-Za-z0-9_-]*'),
                name TEXT NOT NULL CONSTRAINT eligible_product_name CHECK (length(trim(name)) > 0),
                category TEXT NOT NULL CONSTRAINT eligible_product_category
                    CHECK (category IN ('tax', 'social', 'energy', 'property', 'innovation', 'agriculture', 'funding')),
                description TEXT NOT NULL,
                slaDays INTEGER NOT NULL CONSTRAINT eligible_product_sla_days CHECK (slaDays BETWEEN 1 AND 3650),
                active INTEGER NOT NULL DEFAULT 1 CONSTRAINT eligible_product_active CHECK (active IN (0, 1))
            );
            CREATE INDEX eligibleProduct_category ON eligibleProduct(category);

            CREATE TABLE client (
                id INTEGER PRIMARY KEY,
                userId INTEGER NOT NULL CONSTRAINT client_user_unique UNIQUE
                    REFERENCES user(id) ON DELETE CASCADE,
                companyName TEXT NOT NULL CONSTRAINT client_company_name CHECK (length(trim(companyName)) > 0),
                siren TEXT NOT NULL CONSTRAINT client_siren_unique UNIQUE
                    CONSTRAINT client_siren CHECK (length(siren) = 9 AND siren NOT GLOB '*[^0-9]*'),
                city TEXT NOT NULL,
                postcode TEXT NOT NULL CONSTRAINT client_postcode CHECK (length(postcode) = 5 AND postcode NOT GLOB '*[^0-9AB]*'),
                region TEXT NOT NULL,
                sector TEXT NOT NULL,
                employeeCount INTEGER NOT NULL CONSTRAINT client_employee_count CHECK (employeeCount >= 0),
                createdAt DATETIME NOT NULL
            );
            CREATE INDEX client_region ON client(region);

            CREATE TABLE expert (
                id INTEGER PRIMARY KEY,
                userId INTEGER NOT NULL CONSTRAINT expert_user_unique UNIQUE
                    REFERENCES user(id) ON DELETE CASCADE,
                slug TEXT NOT NULL CONSTRAINT expert_slug_unique UNIQUE
                    CONSTRAINT expert_slug CHECK (length(slug) > 0 AND slug NOT GLOB '*[^a-z0-9-]*'),
                firstName TEXT NOT NULL CONSTRAINT expert_first_name CHECK (length(trim(firstName)) > 0),
                lastName TEXT NOT NULL CONSTRAINT expert_last_name CHECK (length(trim(lastName)) > 0),
                company TEXT NOT NULL,
                headline TEXT NOT NULL,
                city TEXT NOT NULL,
                postcode TEXT NOT NULL CONSTRAINT expert_postcode CHECK (length(postcode) = 5 AND postcode NOT GLOB '*[^0-9AB]*'),
                region TEXT NOT NULL,
                latitude REAL NOT NULL CONSTRAINT expert_latitude CHECK (latitude BETWEEN -90 AND 90),
                longitude REAL NOT NULL CONSTRAINT expert_longitude CHECK (longitude BETWEEN -180 AND 180),
                bioMarkdown TEXT NOT NULL CONSTRAINT expert_bio_length CHECK (length(bioMarkdown) <= 20000),
                certifications TEXT NOT NULL DEFAULT '[]' CONSTRAINT expert_certifications CHECK (json_valid(certifications) AND json_type(certifications) = 'array'),
                languages TEXT NOT NULL DEFAULT '["fr"]' CONSTRAINT expert_languages CHECK (json_valid(languages) AND json_type(languages) = 'array'),
                portfolio TEXT NOT NULL DEFAULT '[]' CONSTRAINT expert_portfolio CHECK (json_valid(portfolio) AND json_type(portfolio) = 'array'),
                yearsOfExperience INTEGER NOT NULL CONSTRAINT expert_years_of_experience CHECK (yearsOfExperience BETWEEN 0 AND 70),
                dayRate INTEGER CONSTRAINT expert_day_rate CHECK (dayRate IS NULL OR dayRate BETWEEN 1 AND 100000),
                successFeePercent INTEGER CONSTRAINT expert_success_fee CHECK (successFeePercent IS NULL OR successFeePercent BETWEEN 1 AND 100),
                responseTimeHours INTEGER NOT NULL CONSTRAINT expert_response_time CHECK (responseTimeHours BETWEEN 0 AND 720),
                approval TEXT NOT NULL DEFAULT 'pending' CONSTRAINT expert_approval CHECK (approval IN ('pending', 'approved', 'rejected')),
                approvedAt DATETIME,
                approvedBy INTEGER REFERENCES user(id) ON DELETE SET NULL,
                active INTEGER NOT NULL DEFAULT 1 CONSTRAINT expert_active CHECK (active IN (0, 1)),
                createdAt DATETIME NOT NULL,
                updatedAt DATETIME NOT NULL,
                CONSTRAINT expert_approved_has_date CHECK (approval <> 'approved' OR approvedAt IS NOT NULL)
            );
            CREATE INDEX expert_published ON expert(approval, active, approvedAt);
            CREATE INDEX expert_region ON expert(region);
            CREATE INDEX expert_approvedBy ON expert(approvedBy);

            CREATE TABLE expertSpecialty (
                expertId INTEGER NOT NULL REFERENCES expert(id) ON DELETE CASCADE,
                productId INTEGER NOT NULL REFERENCES eligibleProduct(id) ON DELETE RESTRICT,
                PRIMARY KEY (expertId, productId)
            ) WITHOUT ROWID;
            CREATE INDEX expertSpecialty_productId ON expertSpecialty(productId, expertId);
            """)
    }
}
