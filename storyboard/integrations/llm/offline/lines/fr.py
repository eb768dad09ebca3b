"""French voice-over lines (vouvoiement, as most French ads speak)."""

JOIN = " "
END = "."
SPLIT = r"\s*[,;:—–]\s*|\s+-\s+|\s+(?:et|mais|car)\s+"

POOLS = {
    "hook": (
        "Vous connaissez ce moment où tout s'accorde ?",
        "Imaginez que tout devienne simple.",
        "Prenez une seconde pour regarder.",
        "Ceci s'adresse à vous, {audience}.",
        "Certaines choses méritent un second regard.",
        "Tout commence par un petit changement.",
        "Et si votre journée devenait plus légère ?",
        "Regardez de plus près.",
        "C'est maintenant que ça devient intéressant.",
        "Les bonnes idées n'ont pas besoin de crier.",
        "Une journée ordinaire, vraiment ?",
    ),
    "problem": (
        "{Audience} connaissent bien ça.",
        "On connaît tous ça.",
        "Trop d'efforts, pas assez de temps.",
        "L'ancienne méthode prend beaucoup trop de temps.",
        "Vous méritez mieux qu'un à-peu-près.",
        "Au quotidien, les petits tracas s'accumulent.",
        "Ça ne devrait pas être si compliqué.",
        "Personne n'aime attendre.",
        "Les solutions habituelles ne conviennent jamais vraiment.",
        "Le temps est la seule chose qui ne s'achète pas.",
    ),
    "reveal": (
        "Découvrez {product}.",
        "Voici {product}.",
        "Place à {product}.",
        "C'est là qu'intervient {product}.",
        "La réponse s'appelle {product}.",
        "Bienvenue chez {product}.",
        "C'est pour cela qu'existe {product}.",
        "Un nom à retenir : {product}.",
    ),
    "middle": (
        "Pensé pour {audience}.",
        "Simple à adopter, facile à aimer.",
        "Tout ce qu'il vous faut, rien de superflu.",
        "Les détails font toute la différence.",
        "Avec {product}, le quotidien devient plus léger.",
        "Il s'adapte à votre vie, pas l'inverse.",
        "Moins d'efforts, de meilleurs résultats.",
        "Une fois essayé, impossible de revenir en arrière.",
        "De plus en plus de gens font le choix de {product}.",
        "Vous sentez la différence dès le premier jour.",
        "Une qualité qui se voit et qui se sent.",
        "Conçu avec soin, testé dans la vraie vie.",
        "Aucun apprentissage, aucune complication.",
        "Dès la première minute, tout est clair.",
        "Plus de ce qui compte vraiment.",
        "Vous vous demanderez comment vous faisiez avant.",
        "C'est toute la différence {product}.",
        "Fait pour être utilisé chaque jour.",
        "Un beau design que l'on ressent à chaque fois.",
        "De vrais résultats, pas de belles promesses.",
        "Petit changement, grand effet.",
        "Et si c'était aussi simple que ça ?",
        "Les avis parlent d'eux-mêmes.",
        "Avec {product}, gardez du temps pour l'essentiel.",
        "Fiable, jour après jour.",
        "Chaque détail a sa raison d'être.",
        "Étape par étape, sans détour.",
    ),
    "cta": (
        "Qu'attendez-vous ?",
        "Voyez par vous-même.",
        "La prochaine étape est toute simple.",
        "À vous de jouer.",
        "Essayez {product}.",
        "Faites le choix de {product}.",
        "Ça n'a jamais été aussi simple.",
    ),
}

TONES = {
    "playful": {
        "hook": ("Attention, cette pub peut provoquer des sourires.",),
        "middle": ("Effet secondaire : la bonne humeur.", "Oui, on a le droit de s'amuser autant."),
        "cta": ("Faites-vous plaisir.",),
    },
    "calm": {
        "hook": ("Respirez un grand coup.",),
        "middle": ("Une sérénité sur laquelle compter.", "Un peu de calme dans chaque journée."),
        "cta": ("Prenez votre temps.",),
    },
    "warm": {
        "hook": ("Il y a des moments qu'on voudrait garder pour toujours.",),
        "middle": ("Fait avec amour, pensé pour être partagé.", "Comme un retour à la maison."),
        "cta": ("Partagez-le avec ceux que vous aimez.",),
    },
    "bold": {
        "hook": ("Montez le son.",),
        "middle": ("Plus vite, plus fort, plus loin.", "Avec {product}, placez la barre plus haut."),
        "cta": ("Lancez-vous maintenant.",),
    },
    "premium": {
        "hook": ("Certaines choses obéissent à une exigence supérieure.",),
        "middle": ("Réalisé sans compromis.", "La perfection se cache dans les détails."),
        "cta": ("Vivez la différence.",),
    },
    "serious": {
        "hook": ("Voici les faits.",),
        "middle": ("Testé, éprouvé, fiable.", "Des promesses tenues."),
        "cta": ("Faites un choix éclairé.",),
    },
}

KINDS = {
    "drink": {
        "hook": ("Accordez-vous une pause.",),
        "middle": ("Rafraîchissant de la première à la dernière gorgée.",),
    },
    "food": {
        "hook": ("Envie de quelque chose de meilleur ?",),
        "middle": ("Des ingrédients frais qui ont vraiment du goût.",),
    },
    "tech": {
        "hook": ("La technologie devrait simplement fonctionner.",),
        "middle": ("Installé en quelques minutes, pas en quelques heures.",),
    },
    "money": {
        "hook": ("Votre argent devrait travailler autant que vous.",),
        "middle": ("Des chiffres clairs, aucune surprise.",),
    },
    "beauty": {
        "hook": ("Sentez-vous bien dans votre peau.",),
        "middle": ("Doux pour la peau, sérieux sur les résultats.",),
    },
    "home": {
        "hook": ("À la maison, tout devrait être simple.",),
        "middle": ("Plus de confort chez soi, moins de soucis.",),
    },
    "active": {
        "hook": ("Chaque ligne d'arrivée commence par un premier pas.",),
        "middle": ("Chaque foulée paraît plus légère.",),
    },
    "travel": {
        "hook": ("Quelque part, votre prochaine histoire vous attend.",),
        "middle": ("Se réveiller dans un endroit inoubliable.",),
    },
}

AUDIENCES: dict = {}

SHORT = ("Regardez.", "Écoutez.", "Imaginez.", "Juste ici.", "Enfin.", "Voilà.", "Comme ça.", "Et maintenant.")
