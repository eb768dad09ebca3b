"""Portuguese voice-over lines ("você", as most Brazilian and many Portuguese ads speak)."""

JOIN = " "
END = "."
SPLIT = r"\s*[,;:—–]\s*|\s+-\s+|\s+(?:e|mas|porque)\s+"

POOLS = {
    "hook": (
        "Sabe aquele momento em que tudo se encaixa?",
        "Imagine se tudo fosse mais simples.",
        "Pare um segundo e repare.",
        "Isto é para {audience}.",
        "Algumas coisas merecem um segundo olhar.",
        "Tudo começa com uma pequena mudança.",
        "E se o seu dia ficasse mais leve?",
        "Olhe com atenção.",
        "É aqui que fica bom.",
        "Boas ideias não precisam gritar.",
        "Um dia qualquer?",
    ),
    "problem": (
        "{Audience} sabem bem como é.",
        "Todo mundo já passou por isso.",
        "Esforço demais, tempo de menos.",
        "O jeito antigo demora demais.",
        "Você merece mais do que o mais ou menos.",
        "No dia a dia, os pequenos problemas se acumulam.",
        "Não deveria ser tão complicado.",
        "Ninguém gosta de esperar.",
        "As soluções de sempre nunca servem direito.",
        "Tempo é a única coisa que não dá para comprar.",
    ),
    "reveal": (
        "Conheça {product}.",
        "Apresentamos {product}.",
        "Chegou {product}.",
        "Para isso existe {product}.",
        "A resposta se chama {product}.",
        "Bem-vindo a {product}.",
        "Foi por isso que criamos {product}.",
        "Um nome para guardar: {product}.",
    ),
    "middle": (
        "Pensado para {audience}.",
        "Fácil de começar, fácil de gostar.",
        "Tudo o que você precisa, nada que sobre.",
        "Os detalhes fazem toda a diferença.",
        "Com {product}, o dia a dia fica mais simples.",
        "Ele se adapta à sua vida, e não o contrário.",
        "Menos esforço, resultados melhores.",
        "Depois que você experimenta, não tem volta.",
        "Cada vez mais gente escolhe {product}.",
        "Você sente a diferença desde o primeiro dia.",
        "Uma qualidade que dá para ver e sentir.",
        "Feito com cuidado e testado na vida real.",
        "Sem complicação e sem manual.",
        "Desde o primeiro minuto, tudo faz sentido.",
        "Mais do que realmente importa.",
        "Você vai se perguntar como vivia sem isso.",
        "Essa é a diferença de {product}.",
        "Feito para o uso de todos os dias.",
        "Um bom design que você sente toda vez.",
        "Resultados reais, não promessas vazias.",
        "Uma pequena mudança com um grande efeito.",
        "Simples assim.",
        "As avaliações falam por si.",
        "Com {product}, sobra mais tempo para o que importa.",
        "Confiável, dia após dia.",
        "Cada detalhe tem um motivo.",
        "Passo a passo, sem rodeios.",
    ),
    "cta": (
        "O que você está esperando?",
        "Comprove você mesmo.",
        "O próximo passo é fácil.",
        "Agora é com você.",
        "Experimente {product}.",
        "Faça a troca.",
        "Nunca foi tão fácil.",
    ),
}

TONES = {
    "playful": {
        "hook": ("Atenção: este anúncio pode causar sorrisos.",),
        "middle": ("Efeito colateral: bom humor.", "Sim, pode ser divertido assim."),
        "cta": ("Dê um presente para você.",),
    },
    "calm": {
        "hook": ("Respire fundo.",),
        "middle": ("Uma calma com a qual você pode contar.", "Um pouco de serenidade para cada dia."),
        "cta": ("Sem pressa.",),
    },
    "warm": {
        "hook": ("Há momentos que a gente quer guardar para sempre.",),
        "middle": ("Feito com carinho, pensado para compartilhar.", "É como voltar para casa."),
        "cta": ("Compartilhe com quem você ama.",),
    },
    "bold": {
        "hook": ("Aumenta o som.",),
        "middle": ("Mais rápido, mais forte, mais longe.", "Com {product}, a régua sobe."),
        "cta": ("Vá com tudo agora.",),
    },
    "premium": {
        "hook": ("Algumas coisas seguem um padrão mais alto.",),
        "middle": ("Criado sem concessões.", "A perfeição está nos detalhes."),
        "cta": ("Viva a diferença.",),
    },
    "serious": {
        "hook": ("Estes são os fatos.",),
        "middle": ("Testado, comprovado e confiável.", "Promessas que são cumpridas."),
        "cta": ("Faça uma escolha informada.",),
    },
}

KINDS = {
    "drink": {"hook": ("Permita-se uma pausa.",), "middle": ("Refrescante do primeiro ao último gole.",)},
    "food": {"hook": ("Vontade de algo melhor?",), "middle": ("Ingredientes frescos que fazem diferença no sabor.",)},
    "tech": {"hook": ("Tecnologia deveria simplesmente funcionar.",), "middle": ("Pronto em minutos, não em horas.",)},
    "money": {
        "hook": ("Seu dinheiro deveria trabalhar tanto quanto você.",),
        "middle": ("Números claros e nenhuma surpresa.",),
    },
    "beauty": {"hook": ("Sinta-se bem na sua pele.",), "middle": ("Suave com a pele, sério nos resultados.",)},
    "home": {"hook": ("Em casa, tudo deveria ser fácil.",), "middle": ("Mais conforto em casa e menos preocupação.",)},
    "active": {"hook": ("Toda meta começa com o primeiro passo.",), "middle": ("Cada passada fica mais leve.",)},
    "travel": {
        "hook": ("Em algum lugar, a sua próxima história espera por você.",),
        "middle": ("Acordar num lugar inesquecível.",),
    },
}

AUDIENCES: dict = {}

SHORT = ("Olhe.", "Escute.", "Imagine.", "Bem aqui.", "Finalmente.", "Aqui está.", "Assim mesmo.", "E agora.")
