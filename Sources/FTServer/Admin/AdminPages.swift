/// The few pages the server writes itself for `/admin/`: sign-in, refusal, not found, and the
/// dashboard's live script. They hold no data.
enum AdminPages {
    static func shell(_ title: String, _ body: String) -> String {
        """
        <!doctype html>
        <html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="robots" content="noindex, nofollow"><title>\(title) · FinancialTracker</title>
        <style>body{font:16px/1.5 system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#1c2430}
        label{display:block;margin:.75rem 0 .25rem}input{width:100%;padding:.5rem;font:inherit}button{margin-top:1rem;padding:.5rem 1rem;font:inherit}
        [role=alert]{color:#a3251d}</style></head>
        <body><main>\(body)</main></body></html>
        """
    }

    static let signIn = shell("Connexion administrateur", """
        <h1>Connexion administrateur</h1>
        <p>Le tableau de bord et les rapports sont réservés aux administrateurs.</p>
        <form id="signin">
        <label for="email">E-mail</label><input id="email" name="email" type="email" autocomplete="username" required>
        <label for="password">Mot de passe</label><input id="password" name="password" type="password" autocomplete="current-password" required>
        <button type="submit">Se connecter</button>
        <p id="error" role="alert"></p>
        </form>
        <noscript><p>La connexion demande JavaScript.</p></noscript>
        <script>
        document.getElementById("signin").addEventListener("submit", async (event) => {
          event.preventDefault();
          const error = document.getElementById("error");
          error.textContent = "";
          const response = await fetch("/api/v1/session", {method: "POST", headers: {"Content-Type": "application/json"},
            body: JSON.stringify({email: document.getElementById("email").value, password: document.getElementById("password").value})});
          if (response.ok) { location.reload(); return; }
          error.textContent = response.status === 401 ? "E-mail ou mot de passe incorrect." : "La connexion a échoué (" + response.status + ").";
        });
        </script>
        """)

    static let forbidden = shell("Accès refusé", """
        <h1>Accès refusé</h1>
        <p>Cette partie est réservée aux administrateurs. <a href="/">Retour à l'accueil</a></p>
        """)

    /// The refusal a signed-in client or expert gets, with the way to switch accounts: signing out
    /// (a form carrying the session's form token) leads to the sign-in page.
    static func forbidden(switching csrf: String) -> String {
        shell("Accès refusé", """
            <h1>Accès refusé</h1>
            <p>Cette partie est réservée aux administrateurs, et vous êtes connecté avec un autre compte.</p>
            <form method="post" action="/admin/deconnexion"><input type="hidden" name="csrf" value="\(csrf)">
            <button type="submit">Changer de compte</button></form>
            <p><a href="/">Retour à l'accueil</a></p>
            """)
    }

    /// "Se déconnecter" from the admin pages: a button (a GET changes nothing).
    static func signOut(csrf: String) -> String {
        shell("Se déconnecter", """
            <h1>Se déconnecter</h1>
            <p>Fermer votre session d’administration sur cet appareil ?</p>
            <form method="post" action="/admin/deconnexion"><input type="hidden" name="csrf" value="\(csrf)">
            <button type="submit">Se déconnecter</button></form>
            <p><a href="/admin/">Retour au tableau de bord</a></p>
            """)
    }

    static let notFound = shell("Page introuvable", """
        <h1>Page introuvable</h1>
        <p><a href="/admin/">Retour au tableau de bord</a></p>
        """)

    /// Keeps the dashboard's figures current: the live channel (authenticated by the session
    /// cookie) says when something changed; the figures are then read again from metrics.json.
    static let liveScript = """
        const status = document.getElementById("live-status");
        const integer = new Intl.NumberFormat("fr-FR", {maximumFractionDigits: 0});
        const decimal = new Intl.NumberFormat("fr-FR", {minimumFractionDigits: 1, maximumFractionDigits: 1});
        function show(key, value) {
          if (key.startsWith("amount_")) return integer.format(Math.round(value / 100)) + "\\u00a0€";
          if (key === "conversion") return decimal.format(value * 100) + " %";
          if (key === "rating_average") return decimal.format(value) + " / 5";
          return integer.format(value);
        }
        async function refresh() {
          const response = await fetch("/admin/metrics.json", {cache: "no-store"});
          if (!response.ok) return null;
          const metrics = await response.json();
          for (const [key, value] of Object.entries(metrics.values)) {
            const cell = document.querySelector(`tr[data-kpi="${key}"] .kpi-value`);
            if (!cell) continue;
            cell.dataset.value = String(value);
            cell.textContent = show(key, value);
          }
          if (status) status.textContent = "Chiffres à jour : " + new Date(metrics.generatedAt).toLocaleTimeString("fr-FR");
          return metrics;
        }
        let timer = null;
        let delay = 1000;
        async function connect() {
          const metrics = await refresh();
          const socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/api/v1/sync/live");
          socket.addEventListener("open", () => {
            delay = 1000;
            socket.send(JSON.stringify({type: "hello", protocol: 1, cursor: metrics ? metrics.cursor : 0}));
          });
          socket.addEventListener("message", (event) => {
            const message = JSON.parse(event.data);
            if (message.type !== "changes") return;
            clearTimeout(timer);
            timer = setTimeout(refresh, 500);
          });
          socket.addEventListener("close", () => {
            if (status) status.textContent = "Connexion en direct interrompue, nouvelle tentative…";
            setTimeout(connect, delay);
            delay = Math.min(delay * 2, 30000);
          });
        }
        connect();
        """
}
