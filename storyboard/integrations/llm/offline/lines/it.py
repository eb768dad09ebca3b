"""Italian voice-over lines (informal "tu", as most Italian ads speak)."""

JOIN = " "
END = "."
SPLIT = r"\s*[,;:—–]\s*|\s+-\s+|\s+(?:e|ma|perché)\s+"

POOLS = {
    "hook": (
        "Conosci quel momento in cui tutto va al suo posto?",
        "Immagina se tutto fosse più semplice.",
        "Fermati un secondo e guarda.",
        "Questo è per {audience}.",
        "Certe cose meritano un secondo sguardo.",
        "Tutto comincia con un piccolo cambiamento.",
        "E se la tua giornata fosse più leggera?",
        "Guarda da vicino.",
        "Adesso viene il bello.",
        "Le buone idee non hanno bisogno di urlare.",
        "Una giornata qualunque?",
    ),
    "problem": (
        "{Audience} lo sanno bene.",
        "Ci siamo passati tutti.",
        "Troppa fatica e poco tempo.",
        "Il vecchio modo richiede troppo tempo.",
        "Ti meriti di più di un compromesso.",
        "Ogni giorno i piccoli problemi si sommano.",
        "Non dovrebbe essere così complicato.",
        "A nessuno piace aspettare.",
        "Le solite soluzioni non vanno mai del tutto bene.",
        "Il tempo è l'unica cosa che non si può comprare.",
    ),
    "reveal": (
        "Scopri {product}.",
        "Ti presentiamo {product}.",
        "Arriva {product}.",
        "Per questo esiste {product}.",
        "La risposta si chiama {product}.",
        "Benvenuto in {product}.",
        "Per questo abbiamo creato {product}.",
        "Un nome da ricordare: {product}.",
    ),
    "middle": (
        "Pensato per {audience}.",
        "Facile da iniziare, facile da amare.",
        "Tutto quello che ti serve, niente di superfluo.",
        "I dettagli fanno la differenza.",
        "Con {product}, ogni giorno è più semplice.",
        "Si adatta alla tua vita, non il contrario.",
        "Meno fatica, risultati migliori.",
        "Una volta provato, non si torna indietro.",
        "Sempre più persone scelgono {product}.",
        "Senti la differenza dal primo giorno.",
        "Una qualità che si vede e si sente.",
        "Fatto con cura e provato nella vita vera.",
        "Niente complicazioni, niente manuali.",
        "Dal primo minuto tutto ha senso.",
        "Più spazio a ciò che conta davvero.",
        "Ti chiederai come facevi prima.",
        "Questa è la differenza di {product}.",
        "Fatto per essere usato ogni giorno.",
        "Un bel design che senti ogni volta.",
        "Risultati veri, non promesse vuote.",
        "Un piccolo cambiamento con un grande effetto.",
        "È semplice così.",
        "Le recensioni parlano da sole.",
        "Con {product} hai più tempo per ciò che conta.",
        "Affidabile, giorno dopo giorno.",
        "Ogni dettaglio ha il suo perché.",
        "Passo dopo passo, senza giri di parole.",
    ),
    "cta": (
        "Cosa aspetti?",
        "Provalo con i tuoi occhi.",
        "Il prossimo passo è facile.",
        "Ora tocca a te.",
        "Prova {product}.",
        "Fai il cambio.",
        "Non è mai stato così facile.",
    ),
}

TONES = {
    "playful": {
        "hook": ("Attenzione: questo spot può provocare sorrisi.",),
        "middle": ("Effetto collaterale: buon umore.", "Sì, può essere così divertente."),
        "cta": ("Concediti un piacere.",),
    },
    "calm": {
        "hook": ("Fai un respiro profondo.",),
        "middle": ("Una calma su cui puoi contare.", "Un po' di serenità per ogni giorno."),
        "cta": ("Prenditi il tuo tempo.",),
    },
    "warm": {
        "hook": ("Ci sono momenti che vorresti tenere per sempre.",),
        "middle": ("Fatto con amore, pensato per essere condiviso.", "È come tornare a casa."),
        "cta": ("Condividilo con chi ami.",),
    },
    "bold": {
        "hook": ("Alza il volume.",),
        "middle": ("Più veloce, più forte, più lontano.", "Con {product} alzi l'asticella."),
        "cta": ("Buttati adesso.",),
    },
    "premium": {
        "hook": ("Certe cose seguono uno standard più alto.",),
        "middle": ("Creato senza compromessi.", "La perfezione è nei dettagli."),
        "cta": ("Vivi la differenza.",),
    },
    "serious": {
        "hook": ("Ecco i fatti.",),
        "middle": ("Testato, collaudato e affidabile.", "Promesse mantenute."),
        "cta": ("Fai una scelta consapevole.",),
    },
}

KINDS = {
    "drink": {"hook": ("Concediti una pausa.",), "middle": ("Rinfrescante dal primo all'ultimo sorso.",)},
    "food": {"hook": ("Voglia di qualcosa di meglio?",), "middle": ("Ingredienti freschi che si sentono davvero.",)},
    "tech": {
        "hook": ("La tecnologia dovrebbe semplicemente funzionare.",),
        "middle": ("Pronto in pochi minuti, non in ore.",),
    },
    "money": {
        "hook": ("I tuoi soldi dovrebbero lavorare quanto te.",),
        "middle": ("Numeri chiari, nessuna sorpresa.",),
    },
    "beauty": {"hook": ("Sentiti bene nella tua pelle.",), "middle": ("Delicato sulla pelle, serio nei risultati.",)},
    "home": {"hook": ("A casa tutto dovrebbe essere facile.",), "middle": ("Più comfort in casa e meno pensieri.",)},
    "active": {"hook": ("Ogni traguardo comincia con il primo passo.",), "middle": ("Ogni falcata è più leggera.",)},
    "travel": {
        "hook": ("Da qualche parte ti aspetta la tua prossima storia.",),
        "middle": ("Svegliarsi in un posto indimenticabile.",),
    },
}

AUDIENCES: dict = {}

SHORT = ("Guarda.", "Ascolta.", "Immagina.", "Proprio qui.", "Finalmente.", "Eccolo.", "Così.", "E adesso.")
