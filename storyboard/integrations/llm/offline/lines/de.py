"""German voice-over lines (informal "du", as most German ads speak)."""

JOIN = " "
END = "."
SPLIT = r"\s*[,;:—–]\s*|\s+-\s+|\s+(?:und|aber|denn|sondern)\s+"

POOLS = {
    "hook": (
        "Kennst du diesen Moment, wenn einfach alles passt?",
        "Stell dir vor, es wäre ganz einfach.",
        "Kurz innehalten und hinschauen.",
        "Das hier ist für {audience}.",
        "Manche Dinge lohnen einen zweiten Blick.",
        "Alles beginnt mit einer kleinen Veränderung.",
        "Was wäre, wenn dein Tag leichter wäre?",
        "Schau genau hin.",
        "Jetzt wird es spannend.",
        "Gute Ideen brauchen keinen Lärm.",
        "Ein ganz normaler Tag, oder?",
    ),
    "problem": (
        "{Audience} kennen das nur zu gut.",
        "Wir alle kennen das.",
        "Zu viel Aufwand, zu wenig Zeit.",
        "Der alte Weg dauert einfach zu lang.",
        "Halbe Sachen reichen dir nicht.",
        "Im Alltag summieren sich die Kleinigkeiten.",
        "Es sollte nicht so kompliziert sein.",
        "Warten mag niemand.",
        "Die üblichen Lösungen passen nie so ganz.",
        "Zeit ist das Einzige, was man nicht nachkaufen kann.",
    ),
    "reveal": (
        "Darf ich vorstellen: {product}.",
        "Bühne frei für {product}.",
        "Entdecke {product}.",
        "Genau dafür gibt es {product}.",
        "Die Antwort heißt {product}.",
        "Willkommen bei {product}.",
        "Deshalb gibt es jetzt {product}.",
        "Ein Name, den du dir merken solltest: {product}.",
    ),
    "middle": (
        "Gemacht für {audience}.",
        "Einfach anfangen, sofort mögen.",
        "Alles, was du brauchst, nichts, was stört.",
        "Durchdachte Details machen den Unterschied.",
        "Mit {product} wird der Alltag leichter.",
        "Es passt sich deinem Leben an, nicht umgekehrt.",
        "Weniger Aufwand, bessere Ergebnisse.",
        "Einmal ausprobiert, willst du nicht mehr zurück.",
        "Immer mehr {audience} steigen um.",
        "Den Unterschied merkst du vom ersten Tag an.",
        "Qualität, die man sehen und spüren kann.",
        "Mit Sorgfalt gebaut und im echten Leben getestet.",
        "Keine lange Einarbeitung, kein Stress.",
        "Von der ersten Minute an ergibt alles Sinn.",
        "Mehr von dem, was zählt.",
        "Du wirst dich fragen, wie es je ohne ging.",
        "Das ist der Unterschied mit {product}.",
        "Gemacht für jeden einzelnen Tag.",
        "Gutes Design, das du jedes Mal spürst.",
        "Echte Ergebnisse statt leerer Versprechen.",
        "Kleine Veränderung, große Wirkung.",
        "So einfach kann es sein.",
        "Die Bewertungen sprechen für sich.",
        "Mit {product} hast du mehr Zeit für das Wesentliche.",
        "Verlässlich, Tag für Tag.",
        "Jedes Detail hat seinen Grund.",
        "Schritt für Schritt, ganz ohne Umwege.",
    ),
    "cta": (
        "Worauf wartest du noch?",
        "Überzeug dich selbst.",
        "Der nächste Schritt ist ganz leicht.",
        "Jetzt bist du dran.",
        "Probier {product} aus.",
        "Mach den Wechsel.",
        "Es war nie einfacher.",
    ),
}

TONES = {
    "playful": {
        "hook": ("Achtung, dieser Spot macht gute Laune.",),
        "middle": ("Nebenwirkungen: spontanes Grinsen.", "Ja, das darf so viel Spaß machen."),
        "cta": ("Gönn dir was.",),
    },
    "calm": {
        "hook": ("Atme tief durch.",),
        "middle": ("Ruhe, auf die du dich verlassen kannst.", "Ein bisschen Gelassenheit für jeden Tag."),
        "cta": ("Nimm dir die Zeit.",),
    },
    "warm": {
        "hook": ("Manche Momente möchte man festhalten.",),
        "middle": ("Mit Liebe gemacht, zum Teilen gedacht.", "Es fühlt sich an wie nach Hause kommen."),
        "cta": ("Teile es mit den Menschen, die du liebst.",),
    },
    "bold": {
        "hook": ("Dreh auf.",),
        "middle": ("Schneller, stärker, klarer.", "Mit {product} legst du die Messlatte höher."),
        "cta": ("Leg jetzt los.",),
    },
    "premium": {
        "hook": ("Manche Dinge folgen einem höheren Anspruch.",),
        "middle": ("Ohne Kompromisse gefertigt.", "Perfektion steckt im Detail."),
        "cta": ("Erlebe den Unterschied.",),
    },
    "serious": {
        "hook": ("Hier sind die Fakten.",),
        "middle": ("Geprüft, bewährt, zuverlässig.", "Versprechen, die gehalten werden."),
        "cta": ("Triff die informierte Entscheidung.",),
    },
}

KINDS = {
    "drink": {"hook": ("Gönn dir einen Moment.",), "middle": ("Erfrischend vom ersten bis zum letzten Schluck.",)},
    "food": {"hook": ("Hunger auf etwas Besseres?",), "middle": ("Frische Zutaten, die man wirklich schmeckt.",)},
    "tech": {
        "hook": ("Technik sollte einfach funktionieren.",),
        "middle": ("In Minuten eingerichtet, nicht in Stunden.",),
    },
    "money": {
        "hook": ("Dein Geld sollte so hart arbeiten wie du.",),
        "middle": ("Klare Zahlen, keine Überraschungen.",),
    },
    "beauty": {"hook": ("Fühl dich wohl in deiner Haut.",), "middle": ("Sanft zur Haut, stark im Ergebnis.",)},
    "home": {
        "hook": ("Zuhause sollte der einfache Teil sein.",),
        "middle": ("Mehr Komfort zu Hause, weniger Sorgen.",),
    },
    "active": {
        "hook": ("Jedes Ziel beginnt mit dem ersten Schritt.",),
        "middle": ("Jeder Schritt fühlt sich leichter an.",),
    },
    "travel": {
        "hook": ("Irgendwo wartet deine nächste Geschichte.",),
        "middle": ("Aufwachen an einem Ort, den du nie vergisst.",),
    },
}

AUDIENCES: dict = {}

SHORT = ("Schau.", "Hör zu.", "Stell dir vor.", "Genau hier.", "Endlich.", "Sieh nur.", "Einfach so.", "Jetzt das.")
