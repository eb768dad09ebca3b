"""Spanish voice-over lines (tuteo, as most Spanish ads speak)."""

JOIN = " "
END = "."
SPLIT = r"\s*[,;:—–]\s*|\s+-\s+|\s+(?:y|pero|porque)\s+"

POOLS = {
    "hook": (
        "¿Conoces ese momento en que todo encaja?",
        "Imagina que todo fuera más fácil.",
        "Detente un segundo y mira.",
        "Esto es para {audience}.",
        "Hay cosas que merecen una segunda mirada.",
        "Todo empieza con un pequeño cambio.",
        "¿Y si tu día fuera más ligero?",
        "Mira de cerca.",
        "Aquí empieza lo bueno.",
        "Las buenas ideas no necesitan gritar.",
        "¿Un día cualquiera?",
    ),
    "problem": (
        "{Audience} lo saben muy bien.",
        "A todos nos ha pasado.",
        "Demasiado esfuerzo y muy poco tiempo.",
        "La forma de siempre tarda demasiado.",
        "Te mereces algo mejor que lo de siempre.",
        "En el día a día, los pequeños problemas se acumulan.",
        "No debería ser tan complicado.",
        "A nadie le gusta esperar.",
        "Las soluciones de siempre nunca terminan de encajar.",
        "El tiempo es lo único que no se puede comprar.",
    ),
    "reveal": (
        "Descubre {product}.",
        "Te presentamos {product}.",
        "Llega {product}.",
        "Para eso existe {product}.",
        "La respuesta se llama {product}.",
        "Bienvenido a {product}.",
        "Por eso creamos {product}.",
        "Un nombre para recordar: {product}.",
    ),
    "middle": (
        "Pensado para {audience}.",
        "Fácil de empezar, fácil de querer.",
        "Todo lo que necesitas, nada que sobre.",
        "Los detalles marcan la diferencia.",
        "Con {product}, el día a día es más sencillo.",
        "Se adapta a tu vida, y no al revés.",
        "Menos esfuerzo, mejores resultados.",
        "Cuando lo pruebas, ya no hay vuelta atrás.",
        "Cada vez más gente elige {product}.",
        "Notarás la diferencia desde el primer día.",
        "Una calidad que se ve y se siente.",
        "Hecho con cuidado y probado en la vida real.",
        "Sin complicaciones y sin manuales.",
        "Desde el primer minuto, todo tiene sentido.",
        "Más de lo que de verdad importa.",
        "Te preguntarás cómo vivías sin esto.",
        "Esa es la diferencia de {product}.",
        "Hecho para usarse todos los días.",
        "Un buen diseño que se nota cada vez.",
        "Resultados reales, no promesas vacías.",
        "Un pequeño cambio con un gran efecto.",
        "Así de fácil.",
        "Las opiniones hablan por sí solas.",
        "Con {product}, tienes más tiempo para lo importante.",
        "Fiable, día tras día.",
        "Cada detalle tiene su razón de ser.",
        "Paso a paso, sin rodeos.",
    ),
    "cta": (
        "¿A qué esperas?",
        "Compruébalo tú mismo.",
        "El siguiente paso es muy fácil.",
        "Ahora te toca a ti.",
        "Prueba {product}.",
        "Date el cambio que mereces.",
        "Nunca fue tan fácil.",
    ),
}

TONES = {
    "playful": {
        "hook": ("Atención: este anuncio puede provocar sonrisas.",),
        "middle": ("Efecto secundario: buen humor.", "Sí, puede ser así de divertido."),
        "cta": ("Date un capricho.",),
    },
    "calm": {
        "hook": ("Respira hondo.",),
        "middle": ("Una calma con la que puedes contar.", "Un poco de serenidad para cada día."),
        "cta": ("Tómate tu tiempo.",),
    },
    "warm": {
        "hook": ("Hay momentos que quisieras guardar para siempre.",),
        "middle": ("Hecho con cariño, pensado para compartir.", "Es como volver a casa."),
        "cta": ("Compártelo con quien más quieres.",),
    },
    "bold": {
        "hook": ("Sube el volumen.",),
        "middle": ("Más rápido, más fuerte, más lejos.", "Con {product}, el listón está más alto."),
        "cta": ("Lánzate ahora.",),
    },
    "premium": {
        "hook": ("Algunas cosas se hacen con un nivel de exigencia superior.",),
        "middle": ("Creado sin concesiones.", "La perfección está en los detalles."),
        "cta": ("Vive la diferencia.",),
    },
    "serious": {
        "hook": ("Estos son los hechos.",),
        "middle": ("Probado, comprobado y fiable.", "Promesas que se cumplen."),
        "cta": ("Toma una decisión informada.",),
    },
}

KINDS = {
    "drink": {"hook": ("Regálate un momento.",), "middle": ("Refrescante del primer al último sorbo.",)},
    "food": {"hook": ("¿Con ganas de algo mejor?",), "middle": ("Ingredientes frescos que de verdad se notan.",)},
    "tech": {"hook": ("La tecnología debería funcionar sin más.",), "middle": ("Listo en minutos, no en horas.",)},
    "money": {"hook": ("Tu dinero debería trabajar tanto como tú.",), "middle": ("Cuentas claras y sin sorpresas.",)},
    "beauty": {"hook": ("Siéntete bien en tu piel.",), "middle": ("Suave con la piel, serio con los resultados.",)},
    "home": {
        "hook": ("En casa todo debería ser fácil.",),
        "middle": ("Más comodidad en casa y menos preocupaciones.",),
    },
    "active": {"hook": ("Cada meta empieza con un primer paso.",), "middle": ("Cada zancada se siente más ligera.",)},
    "travel": {
        "hook": ("En algún lugar te espera tu próxima historia.",),
        "middle": ("Despertar en un lugar inolvidable.",),
    },
}

AUDIENCES: dict = {}

SHORT = ("Mira.", "Escucha.", "Imagina.", "Justo aquí.", "Por fin.", "Aquí está.", "Así de simple.", "Y ahora.")
